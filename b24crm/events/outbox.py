"""Writing events: every change records its event in the outbox inside the change's own transaction, so an
event exists exactly when the change committed, and so do its deliveries to the handlers bound to it
(``delivery.py`` sends them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.store import deliveries, outbox

ACTIVITY_ADD = "ONCRMACTIVITYADD"
ACTIVITY_UPDATE = "ONCRMACTIVITYUPDATE"
ACTIVITY_DELETE = "ONCRMACTIVITYDELETE"


def emit(conn: Connection, portal_id: int, event: str, data: dict[str, Any], now: float) -> int:
    """Record the event and one pending delivery per handler bound to it, in the caller's transaction."""
    event_id = outbox.insert_event(conn, portal_id, event, data, now)
    for handler_id in deliveries.handler_ids(conn, portal_id, event.upper()):
        deliveries.insert_delivery(conn, portal_id, event_id, handler_id, now)
    return event_id


def emit_entity(conn: Connection, portal_id: int, event: str, entity_id: int, now: float) -> int:
    """The payload of the CRM entity events: ``data[FIELDS][ID]`` (docs: onCrmActivityAdd and kin)."""
    return emit(conn, portal_id, event, {"FIELDS": {"ID": entity_id}}, now)
