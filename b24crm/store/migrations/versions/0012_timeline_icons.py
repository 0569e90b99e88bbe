"""The portal's own timeline icons and logos (crm.timeline.icon.*, crm.timeline.logo.*).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_timeline_icons",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("code", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_crm_timeline_icons_portal_id_portals", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_timeline_icons"),
        sa.UniqueConstraint("portal_id", "kind", "code", name="uq_crm_timeline_icons_portal_id_kind_code"),
    )


def downgrade() -> None:
    op.drop_table("crm_timeline_icons")
