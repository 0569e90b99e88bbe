"""Repository for event handlers, deliveries and delivery attempts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import RawStatement, next_id
from b24crm.store.tables import event_attempts, event_deliveries, event_handlers, event_outbox

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

# Every event asks which handlers it has (usually none): compiled once, run on the driver connection.
_HANDLERS_OF = RawStatement(
    sa.select(event_handlers.c.id).where(
        event_handlers.c.portal_id == sa.bindparam("portal_id"),
        event_handlers.c.event == sa.bindparam("event"),
    )
)


def insert_handler(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    handler_id = next_id(conn, portal_id, "event_handler")
    conn.execute(event_handlers.insert().values(portal_id=portal_id, id=handler_id, **values))
    return handler_id


def list_handlers(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = (
        sa.select(event_handlers).where(event_handlers.c.portal_id == portal_id).order_by(event_handlers.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def handler_ids(conn: Connection, portal_id: int, event: str) -> list[int]:
    cursor = _HANDLERS_OF.run(conn, {"portal_id": portal_id, "event": event})
    try:
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


def insert_delivery(conn: Connection, portal_id: int, event_id: int, handler_id: int, now: float) -> int:
    delivery_id = next_id(conn, portal_id, "event_delivery")
    conn.execute(
        event_deliveries.insert().values(
            portal_id=portal_id,
            id=delivery_id,
            event_id=event_id,
            handler_id=handler_id,
            status=PENDING,
            attempts=0,
            next_attempt=now,
            created=now,
        )
    )
    return delivery_id


def due(conn: Connection, now: float, limit: int) -> list[dict[str, Any]]:
    """Deliveries whose time has come, on every portal (the worker serves them all), oldest first, with
    their event and handler."""
    d, e, h = event_deliveries, event_outbox, event_handlers
    stmt = (
        sa.select(
            d,
            e.c.event,
            e.c.data,
            h.c.url,
            h.c.application_token,
        )
        .select_from(
            d.join(e, sa.and_(e.c.portal_id == d.c.portal_id, e.c.id == d.c.event_id)).join(
                h, sa.and_(h.c.portal_id == d.c.portal_id, h.c.id == d.c.handler_id)
            )
        )
        .where(d.c.status == PENDING, d.c.next_attempt <= now)
        .order_by(d.c.next_attempt, d.c.portal_id, d.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def claim(conn: Connection, delivery: dict[str, Any], until: float) -> bool:
    """Take a delivery for sending until ``until``; False when another worker took it first."""
    d = event_deliveries
    stmt = (
        d.update()
        .where(
            d.c.portal_id == delivery["portal_id"],
            d.c.id == delivery["id"],
            d.c.status == PENDING,
            d.c.next_attempt == delivery["next_attempt"],
        )
        .values(next_attempt=until)
    )
    return (conn.execute(stmt).rowcount or 0) == 1


def record_attempt(conn: Connection, portal_id: int, values: dict[str, Any]) -> None:
    attempt_id = next_id(conn, portal_id, "event_attempt")
    conn.execute(event_attempts.insert().values(portal_id=portal_id, id=attempt_id, **values))


def finish(conn: Connection, portal_id: int, delivery_id: int, values: dict[str, Any]) -> None:
    d = event_deliveries
    conn.execute(d.update().where(d.c.portal_id == portal_id, d.c.id == delivery_id).values(**values))


def deliveries_of_portal(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    d, a = event_deliveries, event_attempts
    rows = [
        dict(r)
        for r in conn.execute(sa.select(d).where(d.c.portal_id == portal_id).order_by(d.c.id)).mappings()
    ]
    attempts: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    stmt = sa.select(a).where(a.c.portal_id == portal_id).order_by(a.c.delivery_id, a.c.attempt)
    for attempt in conn.execute(stmt).mappings():
        attempts.setdefault(attempt["delivery_id"], []).append(
            {k: attempt[k] for k in ("attempt", "started", "latency_ms", "status_code", "error", "response")}
        )
    for delivery in rows:
        delivery["attempts_log"] = attempts.get(delivery["id"], [])
    return rows
