"""Applications' own activity types (crm.activity.type.*) and the badges they declare (crm.activity.badge.*).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_activity_types",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("type_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(255), nullable=False, server_default=""),
        sa.Column("is_configurable", sa.Boolean, nullable=False),
        sa.Column("icon_name", sa.String(255)),
        sa.Column("icon", sa.LargeBinary),
        sa.Column("created", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name="fk_crm_activity_types_portal_id_portals",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_activity_types"),
        sa.UniqueConstraint(
            "portal_id", "app_id", "type_id", name="uq_crm_activity_types_portal_id_app_id_type_id"
        ),
    )

    op.create_table(
        "crm_badges",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("code", sa.String(255), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_crm_badges_portal_id_portals", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_badges"),
        sa.UniqueConstraint("portal_id", "code", name="uq_crm_badges_portal_id_code"),
    )


def downgrade() -> None:
    op.drop_table("crm_badges")
    op.drop_table("crm_activity_types")
