"""brand reply texts per language, and a brand revision the inbound fast path checks

Reviews of possible revocations need no table: they are ledger entries (action `review`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("brands") as batch:
        batch.add_column(sa.Column("reply_texts", sa.Text(), server_default="{}",
                                   nullable=False))
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="1",
                                   nullable=False))


def downgrade():
    with op.batch_alter_table("brands") as batch:
        batch.drop_column("revision")
        batch.drop_column("reply_texts")
