"""Indexes for the retention purge of events, their deliveries and attempts: the oldest events first,
and an event's deliveries.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_outbox_created", "event_outbox", ["created"])
    op.create_index("ix_event_deliveries_event", "event_deliveries", ["portal_id", "event_id"])


def downgrade() -> None:
    op.drop_index("ix_event_deliveries_event", "event_deliveries")
    op.drop_index("ix_event_outbox_created", "event_outbox")
