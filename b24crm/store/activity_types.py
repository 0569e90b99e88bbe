"""Repository for applications' own activity types (``crm_activity_types``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.store.sql import fit_row, next_id
from b24crm.store.tables import crm_activity_types as types

_LISTED = (types.c.id, types.c.type_id, types.c.name, types.c.is_configurable, types.c.icon_name)


class DuplicateType(Exception):
    """The application already has a type with this TYPE_ID."""


def of_app(conn: Connection, portal_id: int, app_id: int) -> list[dict[str, Any]]:
    """The application's types in the order they were added; without the icons' bytes."""
    stmt = (
        sa.select(*_LISTED)
        .where(types.c.portal_id == portal_id, types.c.app_id == app_id)
        .order_by(types.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def find(conn: Connection, portal_id: int, app_id: int, type_id: str) -> dict[str, Any] | None:
    stmt = sa.select(*_LISTED).where(
        types.c.portal_id == portal_id, types.c.app_id == app_id, types.c.type_id == type_id
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def insert(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    """Raises ``DuplicateType`` when the (application, TYPE_ID) pair exists, also when a concurrent add
    took it first: the unique key decides, inside a savepoint so the caller's transaction goes on."""
    row_id = next_id(conn, portal_id, "crm_activity_type")
    try:
        with conn.begin_nested():
            conn.execute(types.insert().values(portal_id=portal_id, id=row_id, **fit_row(types, values)))
    except IntegrityError as exc:
        raise DuplicateType from exc
    return row_id


def delete(conn: Connection, portal_id: int, row_id: int) -> None:
    conn.execute(types.delete().where(types.c.portal_id == portal_id, types.c.id == row_id))


def icon(conn: Connection, portal_id: int, row_id: int) -> tuple[str, bytes] | None:
    """The icon's file name and bytes, when the type has one."""
    stmt = sa.select(types.c.icon_name, types.c.icon).where(
        types.c.portal_id == portal_id, types.c.id == row_id, types.c.icon.is_not(None)
    )
    row = conn.execute(stmt).first()
    return (row[0] or "", bytes(row[1])) if row else None


def with_icons(
    conn: Connection, portal_id: int, keys: Collection[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """The row IDs of the types among ``keys`` (application, TYPE_ID) that have an icon, in one statement."""
    if not keys:
        return {}
    app_ids = sorted({app_id for app_id, _ in keys})
    stmt = sa.select(types.c.app_id, types.c.type_id, types.c.id).where(
        types.c.portal_id == portal_id, types.c.app_id.in_(app_ids), types.c.icon.is_not(None)
    )
    found = {(int(a), str(t)): int(i) for a, t, i in conn.execute(stmt)}
    return {key: found[key] for key in keys if key in found}
