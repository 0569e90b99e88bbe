"""Repository for applications' additional content blocks (``crm_layout_blocks``): one set per
(item kind, item, application), the normalized layout kept as JSON text."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.store.crm_activities import ACTIVITY_BLOCKS
from b24crm.store.sql import next_id
from b24crm.store.tables import crm_layout_blocks as blocks

# item_kind: the vendor's ACTIVITY_ITEM_TYPE and TIMELINE_ITEM_TYPE (an activity's sets go with it:
# crm_activities.delete_activity)
ACTIVITY, TIMELINE_RECORD = ACTIVITY_BLOCKS, 2


def _of(portal_id: int, kind: int, item_id: int, app_id: int) -> Any:
    c = blocks.c
    return sa.and_(c.portal_id == portal_id, c.item_kind == kind, c.item_id == item_id, c.app_id == app_id)


def find(conn: Connection, portal_id: int, kind: int, item_id: int, app_id: int) -> Any | None:
    """The application's stored layout of the item, decoded; None when it has set none."""
    row = conn.execute(sa.select(blocks.c.layout).where(_of(portal_id, kind, item_id, app_id))).first()
    return None if row is None else json.loads(row[0])


def of_item(conn: Connection, portal_id: int, kind: int, item_id: int) -> list[tuple[int, Any]]:
    """Every application's set on the item, in the order they were first set: (app_id, layout)."""
    stmt = (
        sa.select(blocks.c.app_id, blocks.c.layout)
        .where(blocks.c.portal_id == portal_id, blocks.c.item_kind == kind, blocks.c.item_id == item_id)
        .order_by(blocks.c.id)
    )
    return [(int(app_id), json.loads(layout)) for app_id, layout in conn.execute(stmt)]


def put(
    conn: Connection, portal_id: int, kind: int, item_id: int, app_id: int, layout: Any, now: float
) -> None:
    """Replace the application's set on the item (no merge), keeping its place among the item's sets."""
    text = json.dumps(layout, ensure_ascii=False, separators=(",", ":"))
    where = _of(portal_id, kind, item_id, app_id)
    if conn.execute(blocks.update().where(where).values(layout=text, updated=now)).rowcount:
        return
    row = {
        "portal_id": portal_id,
        "id": next_id(conn, portal_id, "crm_layout_blocks"),
        "item_kind": kind,
        "item_id": item_id,
        "app_id": app_id,
        "layout": text,
        "created": now,
        "updated": now,
    }
    try:
        with conn.begin_nested():
            conn.execute(blocks.insert().values(**row))
    except IntegrityError:
        # A concurrent set made the row first: the unique key decides, the later layout wins.
        conn.execute(blocks.update().where(where).values(layout=text, updated=now))


def delete(conn: Connection, portal_id: int, kind: int, item_id: int, app_id: int) -> bool:
    return bool(conn.execute(blocks.delete().where(_of(portal_id, kind, item_id, app_id))).rowcount)
