"""consent lifecycle: double opt-in settings on brands, pending confirmations, brand keywords,
and a partial index of the STOPALLs (checked for every opt-in recorded over the API or imported)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ledger_stopalls", "ledger_entries", ["number"], unique=False,
                    postgresql_where=sa.text("scope = 'all'"),
                    sqlite_where=sa.text("scope = 'all'"))
    with op.batch_alter_table("brands") as batch:
        batch.add_column(sa.Column("double_opt_in", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("confirm_within_hours", sa.Integer(), nullable=False,
                                   server_default="48"))
        batch.add_column(sa.Column("program_name", sa.String(length=64), nullable=True))
    op.create_table(
        "pending_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("after_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"],
                                name=op.f("fk_pending_confirmations_api_key_id_api_keys")),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"],
                                name=op.f("fk_pending_confirmations_brand_id_brands")),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"],
                                name=op.f("fk_pending_confirmations_outbox_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_confirmations")),
    )
    op.create_index("ix_pending_confirmations_number_brand", "pending_confirmations",
                    ["number", "brand_id"], unique=False)
    op.create_table(
        "brand_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("core", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"], ondelete="CASCADE",
                                name=op.f("fk_brand_keywords_brand_id_brands")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_keywords")),
        sa.UniqueConstraint("core", name=op.f("uq_brand_keywords_core")),
    )
    op.create_index(op.f("ix_brand_keywords_brand_id"), "brand_keywords", ["brand_id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_ledger_stopalls", table_name="ledger_entries")
    op.drop_index(op.f("ix_brand_keywords_brand_id"), table_name="brand_keywords")
    op.drop_table("brand_keywords")
    op.drop_index("ix_pending_confirmations_number_brand", table_name="pending_confirmations")
    op.drop_table("pending_confirmations")
    with op.batch_alter_table("brands") as batch:
        batch.drop_column("program_name")
        batch.drop_column("confirm_within_hours")
        batch.drop_column("double_opt_in")
