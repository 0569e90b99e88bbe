"""Repository for the event outbox and the outgoing-mail log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import RawInsert, fit_row, next_id
from b24crm.store.tables import event_outbox, mail_outbox
from b24crm.store.transactions import next_hot_id

_INSERT_EVENT = RawInsert(event_outbox)  # every change writes one: compiled once


def insert_event(
    conn: Connection, portal_id: int, event: str, data: dict[str, Any], now: float, user_id: int | None = None
) -> int:
    event_id = next_hot_id(conn, portal_id, "event")
    _INSERT_EVENT.run(
        conn,
        {
            "portal_id": portal_id,
            "id": event_id,
            "event": event.upper(),
            "data": data,
            "created": now,
            "user_id": user_id,
        },
    )
    return event_id


def _rows_after(
    conn: Connection, table: sa.Table, portal_id: int, after: int, limit: int
) -> list[dict[str, Any]]:
    stmt = (
        sa.select(table)
        .where(table.c.portal_id == portal_id, table.c.id > after)
        .order_by(table.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def list_events(
    conn: Connection, portal_id: int, *, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    return _rows_after(conn, event_outbox, portal_id, after, limit)


def insert_mail(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    mail_id = next_id(conn, portal_id, "mail")
    conn.execute(mail_outbox.insert().values(portal_id=portal_id, id=mail_id, **fit_row(mail_outbox, values)))
    return mail_id


def list_mail(conn: Connection, portal_id: int, *, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    return _rows_after(conn, mail_outbox, portal_id, after, limit)
