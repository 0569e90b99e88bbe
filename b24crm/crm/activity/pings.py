"""Todo reminders ("pings"): each ping offset (minutes) is a reminder for the responsible user, due at the
deadline minus the offset. The server's clock fires them (``fire_due``, run by the server every few seconds
and before the inspection API answers), so a test moves an injected clock instead of sleeping.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.store import crm_activities
from b24crm.store.engine import Database


def schedule(
    conn: Connection,
    portal_id: int,
    activity_id: int,
    user_id: int,
    deadline: float | None,
    offsets: list[int],
) -> None:
    """The todo's pending reminders, replaced by those of its current deadline and offsets."""
    reminders = (
        [
            {"user_id": user_id, "offset_minutes": offset, "due": deadline - offset * 60.0}
            for offset in offsets
        ]
        if deadline is not None
        else []
    )
    crm_activities.replace_reminders(conn, portal_id, activity_id, reminders)


def cancel(conn: Connection, portal_id: int, activity_id: int) -> None:
    """A completed todo reminds nobody any more."""
    crm_activities.replace_reminders(conn, portal_id, activity_id, [])


def fire_due(db: Database, now: float) -> int:
    with db.write() as conn:
        return crm_activities.fire_due_reminders(conn, now)


def reminders(db: Database, portal_id: int, now: float) -> list[dict[str, Any]]:
    fire_due(db, now)
    with db.read() as conn:
        return crm_activities.reminders_of_portal(conn, portal_id)
