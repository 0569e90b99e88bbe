"""Event handlers (outgoing webhooks), deliveries and their attempts.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _portal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portal_id"], ["portals.id"], ondelete="CASCADE", name=f"fk_{table}_portal_id_portals"
    )


def upgrade() -> None:
    op.create_table(
        "event_handlers",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("event", sa.String(128), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("application_token", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("app_id", sa.Integer, nullable=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_event_handlers"),
        _portal_fk("event_handlers"),
    )
    op.create_index("ix_event_handlers_event", "event_handlers", ["portal_id", "event"])
    op.create_table(
        "event_deliveries",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("handler_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt", sa.Float, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("finished", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_event_deliveries"),
        _portal_fk("event_deliveries"),
    )
    op.create_index("ix_event_deliveries_due", "event_deliveries", ["status", "next_attempt"])
    op.create_table(
        "event_attempts",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("delivery_id", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started", sa.Float, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("response", sa.String(512), nullable=True),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_event_attempts"),
        _portal_fk("event_attempts"),
    )
    op.create_index("ix_event_attempts_delivery", "event_attempts", ["portal_id", "delivery_id"])


def downgrade() -> None:
    for table in ("event_attempts", "event_deliveries", "event_handlers"):
        op.drop_table(table)
