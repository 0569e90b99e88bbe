"""Repository for the portal's kanban badges (``crm_badges``)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.store.sql import next_id
from b24crm.store.tables import crm_badges as badges

_SHOWN = (badges.c.code, badges.c.title, badges.c.value, badges.c.type)


class DuplicateBadge(Exception):
    """The portal already has a badge with this code."""


def _badge(row: Any) -> dict[str, Any]:
    return {"code": row[0], "title": json.loads(row[1]), "value": json.loads(row[2]), "type": row[3]}


def all_badges(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(*_SHOWN).where(badges.c.portal_id == portal_id).order_by(badges.c.id)
    return [_badge(row) for row in conn.execute(stmt)]


def find(conn: Connection, portal_id: int, code: str) -> dict[str, Any] | None:
    stmt = sa.select(*_SHOWN).where(badges.c.portal_id == portal_id, badges.c.code == code)
    row = conn.execute(stmt).first()
    return _badge(row) if row else None


def exists(conn: Connection, portal_id: int, code: str) -> bool:
    stmt = sa.select(badges.c.id).where(badges.c.portal_id == portal_id, badges.c.code == code).limit(1)
    return conn.execute(stmt).first() is not None


def insert(
    conn: Connection, portal_id: int, code: str, title: Any, value: Any, kind: str, now: float
) -> None:
    """Raises ``DuplicateBadge`` when the code is taken, also by a concurrent add: the unique key decides."""
    row_id = next_id(conn, portal_id, "crm_badge")
    values = {
        "portal_id": portal_id,
        "id": row_id,
        "code": code,
        "title": json.dumps(title, ensure_ascii=False),
        "value": json.dumps(value, ensure_ascii=False),
        "type": kind,
        "created": now,
    }
    try:
        with conn.begin_nested():
            conn.execute(badges.insert().values(**values))
    except IntegrityError as exc:
        raise DuplicateBadge from exc


def delete(conn: Connection, portal_id: int, code: str) -> bool:
    gone = conn.execute(badges.delete().where(badges.c.portal_id == portal_id, badges.c.code == code))
    return bool(gone.rowcount)
