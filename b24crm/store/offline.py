"""Repository for the apps' offline-event queues (event.offline.*)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import next_id
from b24crm.store.tables import offline_events

_Q = offline_events


def message_id(event: str, data: dict[str, Any]) -> str:
    """``md5(EVENT|json(data))`` as the vendor computes it: the same event of the same object gets the same
    id, so the queue keeps one waiting row for it."""
    text = event + "|" + json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # an identifier, not a secret


def enqueue(
    conn: Connection,
    portal_id: int,
    app_id: int,
    connector: str,
    event: str,
    data: dict[str, Any],
    additional: dict[str, Any],
    now: float,
) -> None:
    """Queue an event, or refresh the waiting row of the same object: the queue keeps the latest state."""
    mid = message_id(event, data)
    waiting = _Q.c.process_id.is_(None)
    stmt = (
        _Q.update()
        .where(
            _Q.c.portal_id == portal_id,
            _Q.c.app_id == app_id,
            _Q.c.connector == connector,
            _Q.c.message_id == mid,
            waiting,
        )
        .values(created=now, data=data, additional=additional, error=False)
    )
    if (conn.execute(stmt).rowcount or 0) > 0:
        return
    row_id = next_id(conn, portal_id, "offline_event")
    conn.execute(
        _Q.insert().values(
            portal_id=portal_id,
            id=row_id,
            app_id=app_id,
            connector=connector,
            event=event,
            message_id=mid,
            data=data,
            additional=additional,
            created=now,
            error=False,
        )
    )


def select(
    conn: Connection,
    portal_id: int,
    app_id: int,
    connector: str,
    *,
    where: list[Any],
    order: list[Any],
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    stmt = sa.select(_Q).where(
        _Q.c.portal_id == portal_id, _Q.c.app_id == app_id, _Q.c.connector == connector, *where
    )
    stmt = stmt.order_by(*order, _Q.c.id).offset(offset).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count(conn: Connection, portal_id: int, app_id: int, connector: str, *, where: list[Any]) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(_Q)
        .where(_Q.c.portal_id == portal_id, _Q.c.app_id == app_id, _Q.c.connector == connector, *where)
    )
    return int(conn.execute(stmt).scalar_one())


def reserve(conn: Connection, portal_id: int, ids: list[int], process_id: str, now: float) -> set[int]:
    """Take the rows still waiting among ``ids`` for ``process_id``; answers those taken. A concurrent
    reader that took some first keeps them: PostgreSQL re-checks ``process_id IS NULL`` after waiting
    for its lock, so two readers never get the same row."""
    if not ids:
        return set()
    stmt = (
        _Q.update()
        .where(_Q.c.portal_id == portal_id, _Q.c.id.in_(ids), _Q.c.process_id.is_(None))
        .values(process_id=process_id, process_time=now)
        .returning(_Q.c.id)
    )
    return {row[0] for row in conn.execute(stmt)}


def delete(conn: Connection, portal_id: int, app_id: int, where: list[Any]) -> int:
    stmt = _Q.delete().where(_Q.c.portal_id == portal_id, _Q.c.app_id == app_id, *where)
    return conn.execute(stmt).rowcount or 0


def mark_error(conn: Connection, portal_id: int, app_id: int, where: list[Any]) -> int:
    stmt = (
        _Q.update()
        .where(_Q.c.portal_id == portal_id, _Q.c.app_id == app_id, *where)
        .values(error=True, process_id=None)
    )
    return conn.execute(stmt).rowcount or 0


def drop_stale(conn: Connection, portal_id: int, app_id: int, before: float) -> None:
    """Reserved rows older than ``before`` are deleted, as the vendor's cleaning agent does after 30 days."""
    conn.execute(
        _Q.delete().where(
            _Q.c.portal_id == portal_id,
            _Q.c.app_id == app_id,
            _Q.c.process_id.is_not(None),
            _Q.c.process_time < before,
        )
    )
