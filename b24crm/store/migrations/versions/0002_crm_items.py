"""CRM items, multifields, smart-process types and roles.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _portal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portal_id"], ["portals.id"], ondelete="CASCADE", name=f"fk_{table}_portal_id_portals"
    )


def upgrade() -> None:
    op.create_table(
        "crm_types",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("entity_type_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("code", sa.String(255), nullable=False, server_default=""),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.Integer, nullable=False),
        sa.Column("created_time", sa.Float, nullable=False),
        sa.Column("updated_time", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_types"),
        sa.UniqueConstraint("portal_id", "entity_type_id", name="uq_crm_types_portal_id_entity_type_id"),
        _portal_fk("crm_types"),
    )
    op.create_table(
        "crm_items",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("entity_type_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("title", sa.String(255), nullable=True),
        sa.Column("assigned_by_id", sa.Integer, nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("updated_by", sa.Integer, nullable=True),
        sa.Column("created_time", sa.Float, nullable=False),
        sa.Column("updated_time", sa.Float, nullable=False),
        sa.Column("opened", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("category_id", sa.Integer, nullable=True),
        sa.Column("stage_id", sa.String(64), nullable=True),
        sa.Column("company_id", sa.Integer, nullable=True),
        sa.Column("contact_id", sa.Integer, nullable=True),
        sa.Column("opportunity", sa.Float, nullable=True),
        sa.Column("currency_id", sa.String(8), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "entity_type_id", "id", name="pk_crm_items"),
        _portal_fk("crm_items"),
    )
    for name, columns in (
        ("ix_crm_items_assigned", ["portal_id", "entity_type_id", "assigned_by_id", "id"]),
        ("ix_crm_items_stage", ["portal_id", "entity_type_id", "stage_id", "id"]),
        ("ix_crm_items_created", ["portal_id", "entity_type_id", "created_time", "id"]),
        ("ix_crm_items_updated", ["portal_id", "entity_type_id", "updated_time", "id"]),
        ("ix_crm_items_company", ["portal_id", "entity_type_id", "company_id", "id"]),
        ("ix_crm_items_contact", ["portal_id", "entity_type_id", "contact_id", "id"]),
    ):
        op.create_index(name, "crm_items", columns)
    op.create_table(
        "crm_multifields",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("entity_type_id", sa.Integer, nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("type_id", sa.String(16), nullable=False),
        sa.Column("value_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_multifields"),
        _portal_fk("crm_multifields"),
    )
    op.create_index("ix_crm_multifields_item", "crm_multifields", ["portal_id", "entity_type_id", "item_id"])
    op.create_index("ix_crm_multifields_value", "crm_multifields", ["portal_id", "type_id", "value"])
    op.create_table(
        "crm_roles",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("permissions", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_roles"),
        _portal_fk("crm_roles"),
    )
    op.create_table(
        "crm_user_roles",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("role_id", sa.Integer, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("portal_id", "user_id", "role_id", name="pk_crm_user_roles"),
        _portal_fk("crm_user_roles"),
    )


def downgrade() -> None:
    for table in ("crm_user_roles", "crm_roles", "crm_multifields", "crm_items", "crm_types"):
        op.drop_table(table)
