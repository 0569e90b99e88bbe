"""Repository of the timeline's own records (``crm_timeline``: comments, log messages), their bindings to
CRM items and their attached files' rows. Notes live in ``store/timeline_notes.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.store.sql import next_id
from b24crm.store.tables import crm_layout_blocks, crm_notes, crm_timeline, crm_timeline_bindings
from b24crm.store.tables import crm_timeline_files as files

# The vendor's TimelineType of the records kept here.
COMMENT = 7
LOG_MESSAGE = 25
# crm_notes.item_type and crm_layout_blocks.item_kind of a timeline record.
NOTE_ITEM_TYPE = 1
BLOCKS_ITEM_KIND = 2

Binding = tuple[int, int]

t = crm_timeline.c
b = crm_timeline_bindings.c


def insert_record(
    conn: Connection, portal_id: int, values: dict[str, Any], bindings: Sequence[Binding]
) -> int:
    record_id = next_id(conn, portal_id, "crm_timeline")
    conn.execute(crm_timeline.insert().values(portal_id=portal_id, id=record_id, **values))
    for owner in bindings:
        add_binding(conn, portal_id, record_id, owner)
    return record_id


def get_record(conn: Connection, portal_id: int, record_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(sa.select(crm_timeline).where(t.portal_id == portal_id, t.id == record_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def update_record(conn: Connection, portal_id: int, record_id: int, values: dict[str, Any]) -> None:
    conn.execute(crm_timeline.update().where(t.portal_id == portal_id, t.id == record_id).values(**values))


def delete_record(conn: Connection, portal_id: int, record_id: int) -> list[dict[str, Any]]:
    """The record with its bindings, file rows, note and applications' content blocks; answers the file
    rows, whose bytes the caller unlinks once the transaction has committed."""
    gone = files_of(conn, portal_id, record_id)
    conn.execute(files.delete().where(files.c.portal_id == portal_id, files.c.timeline_id == record_id))
    conn.execute(crm_timeline_bindings.delete().where(b.portal_id == portal_id, b.timeline_id == record_id))
    n = crm_notes.c
    conn.execute(
        crm_notes.delete().where(
            n.portal_id == portal_id, n.item_type == NOTE_ITEM_TYPE, n.item_id == record_id
        )
    )
    lb = crm_layout_blocks.c
    conn.execute(
        crm_layout_blocks.delete().where(
            lb.portal_id == portal_id, lb.item_kind == BLOCKS_ITEM_KIND, lb.item_id == record_id
        )
    )
    conn.execute(crm_timeline.delete().where(t.portal_id == portal_id, t.id == record_id))
    return gone


# --- bindings -------------------------------------------------------------------------------------------


def bindings_of(conn: Connection, portal_id: int, record_id: int) -> list[Binding]:
    stmt = (
        sa.select(b.owner_type_id, b.owner_id)
        .where(b.portal_id == portal_id, b.timeline_id == record_id)
        .order_by(b.owner_type_id, b.owner_id)
    )
    return [(int(x), int(y)) for x, y in conn.execute(stmt)]


def add_binding(conn: Connection, portal_id: int, record_id: int, owner: Binding) -> bool:
    """Bind the record to ``owner``; False when it already was (an upsert, as the vendor's). The key
    decides, in a savepoint: two processes binding the same owner at once both answer, one of them False."""
    try:
        with conn.begin_nested():
            conn.execute(
                crm_timeline_bindings.insert().values(
                    portal_id=portal_id, timeline_id=record_id, owner_type_id=owner[0], owner_id=owner[1]
                )
            )
    except IntegrityError:
        return False
    return True


def remove_binding(conn: Connection, portal_id: int, record_id: int, owner: Binding) -> bool:
    return bool(
        conn.execute(
            crm_timeline_bindings.delete().where(
                b.portal_id == portal_id,
                b.timeline_id == record_id,
                b.owner_type_id == owner[0],
                b.owner_id == owner[1],
            )
        ).rowcount
    )


def records_bound_to(conn: Connection, portal_id: int, owner: Binding) -> list[int]:
    stmt = sa.select(b.timeline_id).where(
        b.portal_id == portal_id, b.owner_type_id == owner[0], b.owner_id == owner[1]
    )
    return sorted(int(r) for (r,) in conn.execute(stmt))


def _bound(portal_id: int, type_id: int | Sequence[int], owner: Binding) -> list[sa.ColumnElement[bool]]:
    return [
        t.portal_id == portal_id,
        t.type_id == type_id if isinstance(type_id, int) else t.type_id.in_(type_id),
        sa.exists().where(
            b.portal_id == t.portal_id,
            b.timeline_id == t.id,
            b.owner_type_id == owner[0],
            b.owner_id == owner[1],
        ),
    ]


_ORDER_COLUMNS = {"ID": t.id, "CREATED": t.created, "AUTHOR_ID": t.author_id}


def list_bound(
    conn: Connection,
    portal_id: int,
    type_id: int,
    owner: Binding,
    order: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    """One page of the records of ``type_id`` bound to ``owner``; ``order``: (field, descending) pairs
    among ID, CREATED, AUTHOR_ID, the ID ascending last so that pages never overlap."""
    ordering = [_ORDER_COLUMNS[f].desc() if desc else _ORDER_COLUMNS[f].asc() for f, desc in order]
    stmt = (
        sa.select(crm_timeline)
        .where(*_bound(portal_id, type_id, owner))
        .order_by(*ordering, t.id.asc())
        .offset(offset)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_bound(conn: Connection, portal_id: int, type_id: int | Sequence[int], owner: Binding) -> int:
    stmt = sa.select(sa.func.count()).select_from(crm_timeline).where(*_bound(portal_id, type_id, owner))
    return int(conn.execute(stmt).scalar_one())


def bound_keys(
    portal_id: int, types: Sequence[int], owner: Binding, marker: sa.ColumnElement[Any]
) -> sa.Select[Any]:
    """(``marker``, ID, created) of the records of ``types`` bound to ``owner``: one side of a merge with
    other timeline entries, ordered and paged by the caller."""
    return sa.select(marker.label("record"), t.id.label("id"), t.created.label("at")).where(
        *_bound(portal_id, types, owner)
    )


def records_by_ids(
    conn: Connection, portal_id: int, types: Sequence[int], owner: Binding, ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The records of ``types`` among ``ids`` bound to ``owner``, in one statement."""
    if not ids:
        return []
    stmt = sa.select(crm_timeline).where(*_bound(portal_id, types, owner), t.id.in_(sorted(set(ids))))
    return [dict(r) for r in conn.execute(stmt).mappings()]


# --- files ----------------------------------------------------------------------------------------------


def insert_file(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    file_id = next_id(conn, portal_id, "crm_timeline_file")
    conn.execute(files.insert().values(portal_id=portal_id, id=file_id, **values))
    return file_id


def files_of(conn: Connection, portal_id: int, record_id: int) -> list[dict[str, Any]]:
    stmt = (
        sa.select(files)
        .where(files.c.portal_id == portal_id, files.c.timeline_id == record_id)
        .order_by(files.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def files_of_records(
    conn: Connection, portal_id: int, record_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The file rows of several records (a page of comments) in one statement, by record."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not record_ids:
        return found
    stmt = (
        sa.select(files)
        .where(files.c.portal_id == portal_id, files.c.timeline_id.in_(sorted(set(record_ids))))
        .order_by(files.c.id)
    )
    for r in conn.execute(stmt).mappings():
        found.setdefault(int(r["timeline_id"]), []).append(dict(r))
    return found


def delete_files(conn: Connection, portal_id: int, record_id: int) -> list[dict[str, Any]]:
    gone = files_of(conn, portal_id, record_id)
    conn.execute(files.delete().where(files.c.portal_id == portal_id, files.c.timeline_id == record_id))
    return gone


def file_by_id(conn: Connection, portal_id: int, file_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(sa.select(files).where(files.c.portal_id == portal_id, files.c.id == file_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None
