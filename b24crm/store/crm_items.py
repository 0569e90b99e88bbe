"""Repository for CRM items and their multifields."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import RawStatement, fit, fit_row, json_merge, lock_row, next_id
from b24crm.store.tables import crm_items, crm_multifields


def _key(portal_id: int, entity_type_id: int) -> list[sa.ColumnElement[bool]]:
    return [crm_items.c.portal_id == portal_id, crm_items.c.entity_type_id == entity_type_id]


def insert_item(conn: Connection, portal_id: int, entity_type_id: int, values: dict[str, Any]) -> int:
    item_id = next_id(conn, portal_id, f"crm_item_{entity_type_id}")
    conn.execute(
        crm_items.insert().values(
            portal_id=portal_id, entity_type_id=entity_type_id, id=item_id, **fit_row(crm_items, values)
        )
    )
    return item_id


# Compiled once and run on the driver: every activity operation reads its owners by key, and through the
# engine the read cost a sixth of a crm.activity.add.
_BY_KEY = RawStatement(
    sa.select(crm_items).where(
        crm_items.c.portal_id == sa.bindparam("portal_id"),
        crm_items.c.entity_type_id == sa.bindparam("entity_type_id"),
        crm_items.c.id == sa.bindparam("id"),
    )
)


def get_item(conn: Connection, portal_id: int, entity_type_id: int, item_id: int) -> dict[str, Any] | None:
    params = {"portal_id": portal_id, "entity_type_id": entity_type_id, "id": item_id}
    rows = _BY_KEY.mappings(conn, params)
    return rows[0] if rows else None


def update_item(
    conn: Connection, portal_id: int, entity_type_id: int, item_id: int, values: dict[str, Any]
) -> None:
    conn.execute(
        crm_items.update()
        .where(*_key(portal_id, entity_type_id), crm_items.c.id == item_id)
        .values(**fit_row(crm_items, values))
    )


def next_file_id(conn: Connection, portal_id: int) -> int:
    """The id of an item's new file (a photo, a logo): numbered per portal."""
    return next_id(conn, portal_id, "crm_item_file")


def lock_item(conn: Connection, portal_id: int, entity_type_id: int, item_id: int) -> None:
    """Hold the item's row for the transaction: a write that rewrites the row from a read made under it
    cannot undo a concurrent ``stamp_last_activity``."""
    lock_row(conn, crm_items, *_key(portal_id, entity_type_id), crm_items.c.id == item_id)


# One statement, the merge made by the database under the row's lock: only these keys change, whatever
# another transaction wrote since the caller read the item (a read, a lock and a write before: a fifth
# of a crm.activity.add).
_STAMP_LAST_ACTIVITY = RawStatement(
    crm_items.update()
    .where(
        crm_items.c.portal_id == sa.bindparam("portal_id"),
        crm_items.c.entity_type_id == sa.bindparam("entity_type_id"),
        crm_items.c.id == sa.bindparam("id"),
    )
    .values(data=json_merge(crm_items.c.data, sa.bindparam("patch", type_=sa.Text)))
)


def stamp_last_activity(
    conn: Connection, portal_id: int, entity_type_id: int, item_id: int, when: float, user_id: int
) -> None:
    """Set an item's last activity (two keys of ``data``)."""
    patch = json.dumps({"lastActivityTime": when, "lastActivityBy": user_id})
    params = {"portal_id": portal_id, "entity_type_id": entity_type_id, "id": item_id, "patch": patch}
    _STAMP_LAST_ACTIVITY.run(conn, params).close()


def delete_item(conn: Connection, portal_id: int, entity_type_id: int, item_id: int) -> bool:
    conn.execute(
        crm_multifields.delete().where(
            crm_multifields.c.portal_id == portal_id,
            crm_multifields.c.entity_type_id == entity_type_id,
            crm_multifields.c.item_id == item_id,
        )
    )
    stmt = crm_items.delete().where(*_key(portal_id, entity_type_id), crm_items.c.id == item_id)
    return conn.execute(stmt).rowcount > 0


def list_statement(
    portal_id: int,
    entity_type_id: int,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    order: Sequence[Any],
    offset: int,
    limit: int,
) -> sa.Select[Any]:
    return (
        sa.select(crm_items)
        .where(*_key(portal_id, entity_type_id), *where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )


def list_items(conn: Connection, stmt: sa.Select[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_items(
    conn: Connection, portal_id: int, entity_type_id: int, *, where: Iterable[sa.ColumnElement[bool]]
) -> int:
    stmt = sa.select(sa.func.count()).select_from(crm_items).where(*_key(portal_id, entity_type_id), *where)
    return int(conn.execute(stmt).scalar_one())


def count_all(conn: Connection, portal_id: int, entity_type_id: int) -> int:
    return count_items(conn, portal_id, entity_type_id, where=())


def replace_multifields(
    conn: Connection, portal_id: int, entity_type_id: int, item_id: int, rows: Iterable[dict[str, Any]]
) -> None:
    conn.execute(
        crm_multifields.delete().where(
            crm_multifields.c.portal_id == portal_id,
            crm_multifields.c.entity_type_id == entity_type_id,
            crm_multifields.c.item_id == item_id,
        )
    )
    for row in rows:
        conn.execute(
            crm_multifields.insert().values(
                portal_id=portal_id,
                id=row.get("id") or next_id(conn, portal_id, "crm_multifield"),
                entity_type_id=entity_type_id,
                item_id=item_id,
                type_id=fit(crm_multifields, "type_id", row["typeId"]),
                value_type=fit(crm_multifields, "value_type", row["valueType"]),
                value=fit(crm_multifields, "value", row["value"]),
            )
        )


def multifields_of(
    conn: Connection, portal_id: int, entity_type_id: int, item_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in item_ids}
    if not item_ids:
        return found
    stmt = (
        sa.select(crm_multifields)
        .where(
            crm_multifields.c.portal_id == portal_id,
            crm_multifields.c.entity_type_id == entity_type_id,
            crm_multifields.c.item_id.in_(list(item_ids)),
        )
        .order_by(crm_multifields.c.id)
    )
    for row in conn.execute(stmt).mappings():
        found[row["item_id"]].append(
            {"id": row["id"], "typeId": row["type_id"], "valueType": row["value_type"], "value": row["value"]}
        )
    return found
