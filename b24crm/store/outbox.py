"""Repository for the event outbox and the outgoing-mail log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import next_id
from b24crm.store.tables import event_outbox, mail_outbox


def insert_event(conn: Connection, portal_id: int, event: str, data: dict[str, Any], now: float) -> int:
    event_id = next_id(conn, portal_id, "event")
    conn.execute(
        event_outbox.insert().values(
            portal_id=portal_id, id=event_id, event=event.upper(), data=data, created=now
        )
    )
    return event_id


def list_events(
    conn: Connection, portal_id: int, *, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    stmt = (
        sa.select(event_outbox)
        .where(event_outbox.c.portal_id == portal_id, event_outbox.c.id > after)
        .order_by(event_outbox.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def insert_mail(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    mail_id = next_id(conn, portal_id, "mail")
    conn.execute(mail_outbox.insert().values(portal_id=portal_id, id=mail_id, **values))
    return mail_id


def list_mail(conn: Connection, portal_id: int, *, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    stmt = (
        sa.select(mail_outbox)
        .where(mail_outbox.c.portal_id == portal_id, mail_outbox.c.id > after)
        .order_by(mail_outbox.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]
