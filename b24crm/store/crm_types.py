"""Repository for smart-process types."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import fit_row, next_id
from b24crm.store.tables import crm_types


def list_types(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(crm_types).where(crm_types.c.portal_id == portal_id).order_by(crm_types.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def type_by_entity_type(conn: Connection, portal_id: int, entity_type_id: int) -> dict[str, Any] | None:
    stmt = sa.select(crm_types).where(
        crm_types.c.portal_id == portal_id, crm_types.c.entity_type_id == entity_type_id
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def type_by_id(conn: Connection, portal_id: int, type_id: int) -> dict[str, Any] | None:
    stmt = sa.select(crm_types).where(crm_types.c.portal_id == portal_id, crm_types.c.id == type_id)
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def insert_type(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    type_id = next_id(conn, portal_id, "crm_type")
    conn.execute(crm_types.insert().values(portal_id=portal_id, id=type_id, **fit_row(crm_types, values)))
    return type_id


def update_type(conn: Connection, portal_id: int, type_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        crm_types.update()
        .where(crm_types.c.portal_id == portal_id, crm_types.c.id == type_id)
        .values(**fit_row(crm_types, values))
    )


def delete_type(conn: Connection, portal_id: int, type_id: int) -> None:
    conn.execute(crm_types.delete().where(crm_types.c.portal_id == portal_id, crm_types.c.id == type_id))


def used_entity_type_ids(conn: Connection, portal_id: int) -> set[int]:
    stmt = sa.select(crm_types.c.entity_type_id).where(crm_types.c.portal_id == portal_id)
    return set(conn.execute(stmt).scalars())
