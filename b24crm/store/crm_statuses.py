"""Repository for pipelines (``crm_categories``) and reference lists (``crm_statuses``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import fit_row, next_id
from b24crm.store.tables import crm_categories, crm_items, crm_statuses, crm_types

# --- pipelines ------------------------------------------------------------------------------------------


def categories_of(conn: Connection, portal_id: int, entity_type_id: int) -> list[dict[str, Any]]:
    c = crm_categories.c
    stmt = (
        sa.select(crm_categories)
        .where(c.portal_id == portal_id, c.entity_type_id == entity_type_id)
        .order_by(c.sort, c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def category(
    conn: Connection, portal_id: int, entity_type_id: int, category_id: int
) -> dict[str, Any] | None:
    c = crm_categories.c
    stmt = sa.select(crm_categories).where(
        c.portal_id == portal_id, c.entity_type_id == entity_type_id, c.id == category_id
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def has_category(conn: Connection, portal_id: int, category_id: int) -> bool:
    c = crm_categories.c
    stmt = sa.select(c.id).where(c.portal_id == portal_id, c.id == category_id)
    return conn.execute(stmt).first() is not None


def insert_category(
    conn: Connection, portal_id: int, values: dict[str, Any], category_id: int | None = None
) -> int:
    new_id = next_id(conn, portal_id, "crm_category") if category_id is None else category_id
    conn.execute(
        crm_categories.insert().values(portal_id=portal_id, id=new_id, **fit_row(crm_categories, values))
    )
    return new_id


def update_category(conn: Connection, portal_id: int, category_id: int, values: dict[str, Any]) -> None:
    c = crm_categories.c
    conn.execute(
        crm_categories.update()
        .where(c.portal_id == portal_id, c.id == category_id)
        .values(**fit_row(crm_categories, values))
    )


def delete_category(conn: Connection, portal_id: int, category_id: int) -> None:
    c = crm_categories.c
    conn.execute(crm_categories.delete().where(c.portal_id == portal_id, c.id == category_id))


def clear_default(conn: Connection, portal_id: int, entity_type_id: int) -> None:
    c = crm_categories.c
    conn.execute(
        crm_categories.update()
        .where(c.portal_id == portal_id, c.entity_type_id == entity_type_id)
        .values(is_default=False)
    )


def types_without_category(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    """The portal's smart processes that have no pipeline yet (made before pipelines were kept)."""
    c = crm_categories.c
    has_one = sa.exists().where(c.portal_id == portal_id, c.entity_type_id == crm_types.c.entity_type_id)
    stmt = sa.select(crm_types.c.entity_type_id, crm_types.c.title).where(
        crm_types.c.portal_id == portal_id, ~has_one
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_in_category(conn: Connection, portal_id: int, entity_type_id: int, category_id: int) -> int:
    i = crm_items.c
    stmt = (
        sa.select(sa.func.count())
        .select_from(crm_items)
        .where(i.portal_id == portal_id, i.entity_type_id == entity_type_id, i.category_id == category_id)
    )
    return int(conn.execute(stmt).scalar_one())


# --- reference lists ------------------------------------------------------------------------------------


def list_statuses(
    conn: Connection, portal_id: int, where: Iterable[sa.ColumnElement[bool]], order: Sequence[Any]
) -> list[dict[str, Any]]:
    stmt = sa.select(crm_statuses).where(crm_statuses.c.portal_id == portal_id, *where).order_by(*order)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def stages_of(conn: Connection, portal_id: int, entity_id: str) -> list[dict[str, Any]]:
    """One list's values in their order (sort, then the order they were added)."""
    s = crm_statuses.c
    return list_statuses(conn, portal_id, [s.entity_id == entity_id], [s.sort, s.id])


def status_by_id(conn: Connection, portal_id: int, status_row_id: int) -> dict[str, Any] | None:
    s = crm_statuses.c
    row = (
        conn.execute(sa.select(crm_statuses).where(s.portal_id == portal_id, s.id == status_row_id))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def value_exists(conn: Connection, portal_id: int, entity_id: str, status_id: str) -> bool:
    s = crm_statuses.c
    stmt = sa.select(s.id).where(s.portal_id == portal_id, s.entity_id == entity_id, s.status_id == status_id)
    return conn.execute(stmt).first() is not None


def insert_status(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    new_id = next_id(conn, portal_id, "crm_status")
    conn.execute(
        crm_statuses.insert().values(portal_id=portal_id, id=new_id, **fit_row(crm_statuses, values))
    )
    return new_id


def update_status(conn: Connection, portal_id: int, status_row_id: int, values: dict[str, Any]) -> None:
    s = crm_statuses.c
    conn.execute(
        crm_statuses.update()
        .where(s.portal_id == portal_id, s.id == status_row_id)
        .values(**fit_row(crm_statuses, values))
    )


def delete_status(conn: Connection, portal_id: int, status_row_id: int) -> None:
    s = crm_statuses.c
    conn.execute(crm_statuses.delete().where(s.portal_id == portal_id, s.id == status_row_id))


def delete_list(conn: Connection, portal_id: int, entity_id: str) -> None:
    s = crm_statuses.c
    conn.execute(crm_statuses.delete().where(s.portal_id == portal_id, s.entity_id == entity_id))


def items_in_stage(conn: Connection, portal_id: int, entity_type_id: int, stage_id: str) -> bool:
    i = crm_items.c
    stmt = sa.select(i.id).where(
        i.portal_id == portal_id, i.entity_type_id == entity_type_id, i.stage_id == stage_id
    )
    return conn.execute(stmt.limit(1)).first() is not None
