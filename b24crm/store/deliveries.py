"""Repository for event handlers, deliveries and delivery attempts."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.engine import signal_after_commit
from b24crm.store.sql import RawStatement, next_id
from b24crm.store.tables import apps, event_attempts, event_deliveries, event_handlers, event_outbox
from b24crm.store.transactions import next_hot_id

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
NEW_DELIVERY = "new delivery"  # signalled when a transaction that wrote deliveries commits

_H = event_handlers
_HANDLER_COLUMNS = (
    _H.c.id,
    _H.c.url,
    _H.c.application_token,
    _H.c.user_id,
    _H.c.app_id,
    _H.c.auth_type,
    _H.c.offline,
    _H.c.connector,
    _H.c.options,
    apps.c.installed,
    apps.c.active,
)
# Every event asks which handlers it has (usually none): compiled once, run on the driver connection.
# Outgoing webhooks have no app; an app's handlers come with its install state.
_HANDLERS_OF = RawStatement(
    sa.select(*_HANDLER_COLUMNS)
    .select_from(_H.outerjoin(apps, sa.and_(apps.c.portal_id == _H.c.portal_id, apps.c.id == _H.c.app_id)))
    .where(_H.c.portal_id == sa.bindparam("portal_id"), _H.c.event == sa.bindparam("event"))
    .order_by(_H.c.id)
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


def handlers_of(conn: Connection, portal_id: int, event: str) -> list[dict[str, Any]]:
    """The handlers bound to an event, with their app's ``installed`` and ``active`` (None without app)."""
    return _HANDLERS_OF.mappings(conn, {"portal_id": portal_id, "event": event})


def handlers_of_app(conn: Connection, portal_id: int, app_id: int | None) -> list[dict[str, Any]]:
    stmt = sa.select(_H).where(_H.c.portal_id == portal_id)
    stmt = stmt.where(_H.c.app_id.is_(None) if app_id is None else _H.c.app_id == app_id)
    return [dict(r) for r in conn.execute(stmt.order_by(_H.c.id)).mappings()]


def delete_handlers(conn: Connection, portal_id: int, ids: list[int]) -> int:
    if not ids:
        return 0
    return conn.execute(_H.delete().where(_H.c.portal_id == portal_id, _H.c.id.in_(ids))).rowcount or 0


def last_delivery_to(conn: Connection, portal_id: int, handler_id: int) -> float | None:
    d = event_deliveries
    stmt = sa.select(sa.func.max(d.c.created)).where(d.c.portal_id == portal_id, d.c.handler_id == handler_id)
    value = conn.execute(stmt).scalar()
    return None if value is None else float(value)


def insert_delivery(
    conn: Connection, portal_id: int, event_id: int, handler_id: int, now: float, target: dict[str, Any]
) -> int:
    """A pending delivery; ``target`` holds the url, application_token, app_id and user_id it is sent with."""
    delivery_id = next_hot_id(conn, portal_id, "event_delivery")
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
            **target,
        )
    )
    signal_after_commit(conn, NEW_DELIVERY)
    return delivery_id


def due(
    conn: Connection,
    now: float,
    limit: int,
    portal_id: int | None = None,
    busy_origins: Collection[str] = (),
    *,
    skip_locked: bool = False,
) -> list[dict[str, Any]]:
    """Deliveries whose time has come, on every portal (the worker serves them all) or on one, oldest
    first, with their event and handler. Deliveries to the ``busy_origins`` (``scheme://host:port`` as
    their URLs spell it) are left out, so that a backlog for a slow handler never hides the others'.
    ``skip_locked`` (in a write transaction, on PostgreSQL): the rows are locked until it ends and those
    another transaction holds are passed over, so that workers claiming at once take different ones."""
    d, e, h = event_deliveries, event_outbox, event_handlers
    # Deliveries written before 0005 have no target of their own: they take their handler's.
    url = sa.func.coalesce(d.c.url, h.c.url)
    stmt = (
        sa.select(
            *(c for c in d.c if c.name not in ("url", "application_token")),
            e.c.event,
            e.c.data,
            url.label("url"),
            sa.func.coalesce(d.c.application_token, h.c.application_token).label("application_token"),
        )
        .select_from(
            d.join(e, sa.and_(e.c.portal_id == d.c.portal_id, e.c.id == d.c.event_id)).outerjoin(
                h, sa.and_(h.c.portal_id == d.c.portal_id, h.c.id == d.c.handler_id)
            )
        )
        .where(
            d.c.status == PENDING,
            d.c.next_attempt <= now,
            sa.or_(d.c.url.is_not(None), h.c.url.is_not(None)),
        )
        .order_by(d.c.next_attempt, d.c.portal_id, d.c.id)
        .limit(limit)
    )
    if portal_id is not None:
        stmt = stmt.where(d.c.portal_id == portal_id)
    if skip_locked:
        stmt = stmt.with_for_update(of=d, skip_locked=True)
    for origin in busy_origins:
        stmt = stmt.where(
            url != origin,
            sa.not_(url.startswith(origin + "/", autoescape=True)),
            sa.not_(url.startswith(origin + "?", autoescape=True)),
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
    attempt_id = next_hot_id(conn, portal_id, "event_attempt")
    conn.execute(event_attempts.insert().values(portal_id=portal_id, id=attempt_id, **values))


def finish(conn: Connection, portal_id: int, delivery_id: int, values: dict[str, Any]) -> None:
    d = event_deliveries
    conn.execute(d.update().where(d.c.portal_id == portal_id, d.c.id == delivery_id).values(**values))


def deliveries_of_portal(
    conn: Connection, portal_id: int, *, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """The portal's deliveries with an id above ``after``, oldest first, each with its attempts."""
    d, a = event_deliveries, event_attempts
    page = sa.select(d).where(d.c.portal_id == portal_id, d.c.id > after).order_by(d.c.id).limit(limit)
    rows = [dict(r) for r in conn.execute(page).mappings()]
    if not rows:
        return []
    attempts: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    stmt = (
        sa.select(a)
        .where(a.c.portal_id == portal_id, a.c.delivery_id.between(rows[0]["id"], rows[-1]["id"]))
        .order_by(a.c.delivery_id, a.c.attempt)
    )
    for attempt in conn.execute(stmt).mappings():
        attempts.setdefault(attempt["delivery_id"], []).append(
            {k: attempt[k] for k in ("attempt", "started", "latency_ms", "status_code", "error", "response")}
        )
    for delivery in rows:
        delivery["attempts_log"] = attempts.get(delivery["id"], [])
    return rows


def purge_events(conn: Connection, before: float, limit: int, portal_id: int | None = None) -> int:
    """Delete up to ``limit`` events written before ``before`` with their deliveries and attempts, oldest
    first, of every portal or of one; answers how many events went. An event with a delivery still
    pending (waiting for a retry, or claimed and being sent) stays until that delivery is done."""
    e, d, a = event_outbox, event_deliveries, event_attempts
    pending = sa.exists().where(d.c.portal_id == e.c.portal_id, d.c.event_id == e.c.id, d.c.status == PENDING)
    stmt = sa.select(e.c.portal_id, e.c.id).where(e.c.created < before, ~pending)
    if portal_id is not None:
        stmt = stmt.where(e.c.portal_id == portal_id)
    by_portal: dict[int, list[int]] = {}
    for portal, event_id in conn.execute(stmt.order_by(e.c.created).limit(limit)):
        by_portal.setdefault(portal, []).append(event_id)
    for portal, ids in by_portal.items():
        doomed = sa.select(d.c.id).where(d.c.portal_id == portal, d.c.event_id.in_(ids))
        conn.execute(a.delete().where(a.c.portal_id == portal, a.c.delivery_id.in_(doomed)))
        conn.execute(d.delete().where(d.c.portal_id == portal, d.c.event_id.in_(ids)))
        conn.execute(e.delete().where(e.c.portal_id == portal, e.c.id.in_(ids)))
    return sum(len(ids) for ids in by_portal.values())
