"""Repository for the portal's own timeline icons and logos (``crm_timeline_icons``), addressed by code."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.store.sql import next_id
from b24crm.store.tables import crm_timeline_icons as icons

ICON, LOGO = 1, 2


class DuplicateCode(Exception):
    """The portal already has an icon (or logo) with this code."""


def codes(conn: Connection, portal_id: int, kind: int) -> list[str]:
    stmt = (
        sa.select(icons.c.code)
        .where(icons.c.portal_id == portal_id, icons.c.kind == kind)
        .order_by(icons.c.id)
    )
    return [row[0] for row in conn.execute(stmt)]


def all_of_kind(conn: Connection, portal_id: int, kind: int) -> list[dict[str, Any]]:
    """Every custom entry of the kind, oldest first: id, code and the stored bytes."""
    stmt = (
        sa.select(icons.c.id, icons.c.code, icons.c.content)
        .where(icons.c.portal_id == portal_id, icons.c.kind == kind)
        .order_by(icons.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def find(conn: Connection, portal_id: int, kind: int, code: str) -> dict[str, Any] | None:
    stmt = sa.select(icons.c.id, icons.c.code, icons.c.content).where(
        icons.c.portal_id == portal_id, icons.c.kind == kind, icons.c.code == code
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def content_by_id(conn: Connection, portal_id: int, kind: int, row_id: int) -> bytes | None:
    stmt = sa.select(icons.c.content).where(
        icons.c.portal_id == portal_id, icons.c.kind == kind, icons.c.id == row_id
    )
    found = conn.execute(stmt).scalar_one_or_none()
    return None if found is None else bytes(found)


def ids_by_codes(conn: Connection, portal_id: int, kind: int, codes: Collection[str]) -> dict[str, int]:
    """The row IDs of the portal's own entries among ``codes`` (a page's icons), in one statement."""
    if not codes:
        return {}
    stmt = sa.select(icons.c.code, icons.c.id).where(
        icons.c.portal_id == portal_id, icons.c.kind == kind, icons.c.code.in_(sorted(set(codes)))
    )
    return {str(code): int(row_id) for code, row_id in conn.execute(stmt)}


def insert(conn: Connection, portal_id: int, kind: int, code: str, content: bytes, now: float) -> None:
    """Raises ``DuplicateCode`` when the code is taken, also by a concurrent add: the unique key decides."""
    row_id = next_id(conn, portal_id, "crm_timeline_icon")
    values = {
        "portal_id": portal_id,
        "id": row_id,
        "kind": kind,
        "code": code,
        "content": content,
        "created": now,
    }
    try:
        with conn.begin_nested():
            conn.execute(icons.insert().values(**values))
    except IntegrityError as exc:
        raise DuplicateCode from exc


def delete(conn: Connection, portal_id: int, kind: int, code: str) -> bool:
    gone = conn.execute(
        icons.delete().where(icons.c.portal_id == portal_id, icons.c.kind == kind, icons.c.code == code)
    )
    return bool(gone.rowcount)
