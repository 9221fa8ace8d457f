"""send-time compliance: brand windows and caps, scheduled, expiring and cancellable
campaigns, recipients' zones, state and deferral

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06 03:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("brands") as batch:
        batch.add_column(sa.Column("window_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("window_end", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("frequency_cap", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("daily_cap", sa.Integer(), nullable=True))
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("campaign_recipients") as batch:
        batch.add_column(sa.Column("time_zones", sa.String(length=96), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_campaign_recipients_number_claimed", ["number", "claimed_at"])


def downgrade():
    with op.batch_alter_table("campaign_recipients") as batch:
        batch.drop_index("ix_campaign_recipients_number_claimed")
        batch.drop_column("not_before")
        batch.drop_column("state")
        batch.drop_column("time_zones")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("cancelled_at")
        batch.drop_column("expires_at")
        batch.drop_column("send_at")
    with op.batch_alter_table("brands") as batch:
        batch.drop_column("daily_cap")
        batch.drop_column("frequency_cap")
        batch.drop_column("window_end")
        batch.drop_column("window_start")
