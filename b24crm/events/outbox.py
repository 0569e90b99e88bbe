"""Writing events: every change records its event in the outbox inside the change's own transaction, so an
event exists exactly when the change committed, and so do its deliveries to the handlers bound to it
(``delivery.py`` sends them) and its rows in the offline queues of the apps that listen offline.

Which handlers get an event, as Bitrix24 decides it:
- outgoing webhooks (no app) always;
- an app's handlers only while the app is installed and its install has finished (events are not
  delivered before ``installFinish``);
- an app's own events (``ONAPPINSTALL``, ``ONAPPTEST``, ...) only that app's handlers;
- an offline handler queues the event instead, unless the change was made by the same app with the same
  ``auth_connector`` (none counts as ""): the loop prevention of docs: api-reference/events/offline-events.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from b24crm.events.catalogue import APP_EVENTS, OFFLINE_EVENT
from b24crm.store import deliveries, offline, outbox


@dataclass(frozen=True)
class Origin:
    """Who made the change: the user whose token app handlers receive, and the app and ``auth_connector``
    of the call (for the offline queues' loop prevention)."""

    user_id: int | None = None
    connector: str = ""
    app_id: int | None = None


NOBODY = Origin()


def emit(
    conn: Connection,
    portal_id: int,
    event: str,
    data: dict[str, Any],
    now: float,
    origin: Origin = NOBODY,
    *,
    app_id: int | None = None,
) -> int:
    """Record the event with its deliveries and offline rows, in the caller's transaction."""
    name = event.upper()
    handlers = deliveries.handlers_of(conn, portal_id, name)
    event_id = outbox.insert_event(conn, portal_id, name, data, now, origin.user_id)
    queued_apps: set[int] = set()
    for handler in handlers:
        if not _receives(handler, name, app_id):
            continue
        if handler["offline"]:
            if origin.app_id == handler["app_id"] and origin.connector == handler["connector"]:
                continue
            additional = {"user_id": origin.user_id or 0}
            offline.enqueue(
                conn, portal_id, handler["app_id"], handler["connector"], name, data, additional, now
            )
            queued_apps.add(handler["app_id"])
            continue
        deliveries.insert_delivery(
            conn, portal_id, event_id, handler["id"], now, _target(handler, origin.user_id)
        )
    if queued_apps:
        notices = deliveries.handlers_of(conn, portal_id, OFFLINE_EVENT)
        for queued in sorted(queued_apps):
            _notify_offline(conn, portal_id, queued, notices, now, origin)
    return event_id


def _target(handler: dict[str, Any], acting_user: int | None) -> dict[str, Any]:
    """Where a delivery goes and as whom, fixed when the event is written: the handler's AUTH_TYPE user,
    else the user who made the change."""
    return {
        "url": handler["url"],
        "application_token": handler["application_token"],
        "app_id": handler["app_id"],
        "user_id": handler["auth_type"] or acting_user,
    }


def _receives(handler: dict[str, Any], event: str, app_id: int | None) -> bool:
    if handler["app_id"] is None:
        return app_id is None
    if app_id is not None and handler["app_id"] != app_id:
        return False
    if event in APP_EVENTS and app_id is None:
        return False
    return bool(handler["active"]) and bool(handler["installed"])


def _notify_offline(
    conn: Connection,
    portal_id: int,
    app_id: int,
    notices: list[dict[str, Any]],
    now: float,
    origin: Origin,
) -> None:
    """ONOFFLINEEVENT to the app's handlers of it, at most once per ``minTimeout`` seconds (default 1;
    0 is once per change) (docs: api-reference/events/on-offline-event.md)."""
    for handler in notices:
        if handler["app_id"] != app_id or handler["offline"] or not _receives(handler, OFFLINE_EVENT, app_id):
            continue
        timeout = _min_timeout(handler["options"])
        last = deliveries.last_delivery_to(conn, portal_id, handler["id"])
        if timeout > 0 and last is not None and now - last < timeout:
            continue
        event_id = outbox.insert_event(conn, portal_id, OFFLINE_EVENT, {}, now, origin.user_id)
        # The notice needs a token even when no user acted: then the binding user's.
        target = _target(handler, origin.user_id or handler["user_id"])
        deliveries.insert_delivery(conn, portal_id, event_id, handler["id"], now, target)


def _min_timeout(options: Any) -> float:
    if isinstance(options, dict):
        try:
            return max(float(options.get("minTimeout", 1)), 0.0)
        except (TypeError, ValueError):
            return 1.0
    return 1.0


def emit_entity(
    conn: Connection, portal_id: int, event: str, entity_id: int, now: float, origin: Origin = NOBODY
) -> int:
    """The payload of the CRM entity events: ``data[FIELDS][ID]`` (docs: onCrmActivityAdd and kin)."""
    return emit(conn, portal_id, event, {"FIELDS": {"ID": entity_id}}, now, origin)
