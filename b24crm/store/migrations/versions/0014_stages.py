"""Pipelines and reference lists (crm.category.*, crm.status.*).

A portal's default lists (lead statuses, the deal pipeline and its stages, sources, ...) are written the
first time the portal touches them, not here: portals are created after this migration too, and one place
(``store/crm_statuses.py``) knows the defaults.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _portal(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portal_id"], ["portals.id"], name=f"fk_{table}_portal_id_portals", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "crm_categories",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("entity_type_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sort", sa.Integer, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("is_system", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("code", sa.String(255), nullable=False, server_default=""),
        sa.Column("origin_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("originator_id", sa.String(255), nullable=False, server_default=""),
        _portal("crm_categories"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_categories"),
    )
    op.create_index("ix_crm_categories_type", "crm_categories", ["portal_id", "entity_type_id", "sort"])
    op.create_table(
        "crm_statuses",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("status_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_init", sa.String(255), nullable=False, server_default=""),
        sa.Column("sort", sa.Integer, nullable=False),
        sa.Column("system", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("category_id", sa.Integer, nullable=True),
        sa.Column("color", sa.String(16), nullable=True),
        sa.Column("semantics", sa.String(1), nullable=True),
        _portal("crm_statuses"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_statuses"),
        sa.UniqueConstraint("portal_id", "entity_id", "status_id", name="uq_crm_statuses_value"),
    )


def downgrade() -> None:
    op.drop_table("crm_statuses")
    op.drop_index("ix_crm_categories_type", table_name="crm_categories")
    op.drop_table("crm_categories")
