"""reconcile watermarks: how far `smsgate reconcile` has read each number's inbound texts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reconcile_watermarks",
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("read_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pass_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resume_before", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_reconcile_watermarks")),
    )


def downgrade():
    op.drop_table("reconcile_watermarks")
