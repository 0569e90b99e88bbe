"""Repository of notes (``crm_notes``): one per timeline entry, keyed by (item_type, item_id)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.store.crm_activities import ACTIVITY_NOTE
from b24crm.store.sql import next_id
from b24crm.store.tables import crm_notes

# item_type: the vendor's NoteTable::NOTE_TYPE_HISTORY (a timeline record) and NOTE_TYPE_ACTIVITY.
HISTORY, ACTIVITY = 1, ACTIVITY_NOTE  # an activity's note goes with it: crm_activities.delete_activity

n = crm_notes.c


def _of(portal_id: int, item_type: int, item_id: int) -> Any:
    return sa.and_(n.portal_id == portal_id, n.item_type == item_type, n.item_id == item_id)


def find(conn: Connection, portal_id: int, item_type: int, item_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(crm_notes).where(_of(portal_id, item_type, item_id))).mappings().first()
    return dict(row) if row is not None else None


def save(
    conn: Connection, portal_id: int, item_type: int, item_id: int, text: str, user_id: int, now: float
) -> None:
    """Create the entry's note or replace its text (the creator and creation time stay)."""
    changed = {"text": text, "updated_by": user_id, "updated": now}
    where = _of(portal_id, item_type, item_id)
    if conn.execute(crm_notes.update().where(where).values(**changed)).rowcount:
        return
    row = {
        "portal_id": portal_id,
        "id": next_id(conn, portal_id, "crm_notes"),
        "item_type": item_type,
        "item_id": item_id,
        "created_by": user_id,
        "created": now,
        **changed,
    }
    try:
        with conn.begin_nested():
            conn.execute(crm_notes.insert().values(**row))
    except IntegrityError:
        # Another call made the note first: the unique key decides, this text wins.
        conn.execute(crm_notes.update().where(where).values(**changed))


def delete(conn: Connection, portal_id: int, item_type: int, item_id: int) -> bool:
    return bool(conn.execute(crm_notes.delete().where(_of(portal_id, item_type, item_id))).rowcount)
