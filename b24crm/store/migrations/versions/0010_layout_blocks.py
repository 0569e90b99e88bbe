"""Additional content blocks of timeline entries (crm.activity.layout.blocks.*, crm.timeline.layout.blocks.*).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_layout_blocks",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("item_kind", sa.Integer, nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_crm_layout_blocks_portal_id_portals", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_layout_blocks"),
        sa.UniqueConstraint(
            "portal_id",
            "item_kind",
            "item_id",
            "app_id",
            name="uq_crm_layout_blocks_portal_id_item_kind_item_id_app_id",
        ),
    )
    op.create_index("ix_crm_layout_blocks_app", "crm_layout_blocks", ["portal_id", "app_id"])


def downgrade() -> None:
    op.drop_index("ix_crm_layout_blocks_app", "crm_layout_blocks")
    op.drop_table("crm_layout_blocks")
