"""Portals, per-portal sequences, users and webhooks.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(255), nullable=False, server_default=""),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_portals"),
        sa.UniqueConstraint("domain", name="uq_portals_domain"),
        sa.UniqueConstraint("member_id", name="uq_portals_member_id"),
    )
    op.create_table(
        "sequences",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "name", name="pk_sequences"),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], ondelete="CASCADE", name="fk_sequences_portal_id_portals"
        ),
    )
    op.create_table(
        "users",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False, server_default=""),
        sa.Column("last_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("email", sa.String(255), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("gender", sa.String(1), nullable=False, server_default=""),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_users"),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], ondelete="CASCADE", name="fk_users_portal_id_portals"
        ),
    )
    op.create_table(
        "webhooks",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False, server_default=""),
        sa.Column("scopes", sa.String(1024), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_webhooks"),
        sa.UniqueConstraint("code_digest", name="uq_webhooks_code_digest"),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], ondelete="CASCADE", name="fk_webhooks_portal_id_portals"
        ),
        sa.ForeignKeyConstraint(
            ["portal_id", "user_id"],
            ["users.portal_id", "users.id"],
            ondelete="CASCADE",
            name="fk_webhooks_portal_id_users",
        ),
    )


def downgrade() -> None:
    op.drop_table("webhooks")
    op.drop_table("users")
    op.drop_table("sequences")
    op.drop_table("portals")
