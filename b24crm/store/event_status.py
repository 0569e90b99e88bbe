"""What became of a portal's events: how many of each event's deliveries are pending, delivered or failed,
for the ``events`` command and the inspect views."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.tables import event_deliveries


def delivery_statuses(conn: Connection, portal_id: int, first: int, last: int) -> dict[int, dict[str, int]]:
    """Per event id from ``first`` to ``last``: its deliveries counted by status (no entry: none)."""
    d = event_deliveries
    stmt = (
        sa.select(d.c.event_id, d.c.status, sa.func.count())
        .where(d.c.portal_id == portal_id, d.c.event_id.between(first, last))
        .group_by(d.c.event_id, d.c.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for event_id, status, count in conn.execute(stmt):
        counts.setdefault(int(event_id), {})[str(status)] = int(count)
    return counts
