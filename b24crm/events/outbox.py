"""Writing events: every change records its event in the outbox inside the change's own transaction, so an
event exists exactly when the change committed. Delivery to handlers reads the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.store import outbox

ACTIVITY_ADD = "ONCRMACTIVITYADD"
ACTIVITY_UPDATE = "ONCRMACTIVITYUPDATE"
ACTIVITY_DELETE = "ONCRMACTIVITYDELETE"


def emit(conn: Connection, portal_id: int, event: str, data: dict[str, Any], now: float) -> int:
    return outbox.insert_event(conn, portal_id, event, data, now)


def emit_entity(conn: Connection, portal_id: int, event: str, entity_id: int, now: float) -> int:
    """The payload of the CRM entity events: ``data[FIELDS][ID]`` (docs: onCrmActivityAdd and kin)."""
    return emit(conn, portal_id, event, {"FIELDS": {"ID": entity_id}}, now)
