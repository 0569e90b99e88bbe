"""Faults for event deliveries: a portal's rules that delay or drop the deliveries of matching events and
handlers. The delivery worker reads them as it claims deliveries, so no credential generation is bumped.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_fault_rules",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("event", sa.String(255), nullable=False, server_default="*"),
        sa.Column("handler", sa.String(1024), nullable=False, server_default="*"),
        sa.Column("effect", sa.String(32), nullable=False),
        sa.Column("delay_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("times", sa.Integer, nullable=True),
        sa.Column("probability", sa.Float, nullable=False, server_default="1"),
        sa.Column("seed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_event_fault_rules"),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_event_fault_rules_portal_id_portals", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("event_fault_rules")
