"""Repository for activities, their bindings, communications and files."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.engine import Database
from b24crm.store.sql import RawInsert, RawSelect, RawStatement, next_id
from b24crm.store.tables import (
    crm_activities,
    crm_activity_bindings,
    crm_activity_communications,
    crm_activity_files,
    crm_activity_reminders,
    crm_layout_blocks,
    crm_notes,
    sequences,
)
from b24crm.store.transactions import before_commit, database_of, next_hot_id, run_before_commit

Binding = tuple[int, int]  # (owner type, owner id)
ACTIVITY_BLOCKS = 1  # crm_layout_blocks.item_kind of an activity's sets
ACTIVITY_NOTE = 2  # crm_notes.item_type of an activity's note (the vendor's NOTE_TYPE_ACTIVITY)
GENERATION = "crm_activity_generation"
# The generation's counters: the first is the one SQLite keeps (its writers are serial); every name ends
# as the snapshots' generation counters do.
GENERATION_SHARDS = (GENERATION, *(f"crm_activity_{n}_generation" for n in range(1, 16)))
# PostgreSQL: the counters this portal has, the first one first, passing over those locked by other
# transactions (the clause is only rendered there).
_FREE_SHARD = (
    sa.select(sequences.c.name)
    .where(
        sequences.c.portal_id == sa.bindparam("portal"),
        # Written into the statement (constants): it is compiled once with no values at hand.
        sequences.c.name.in_([sa.literal_column(f"'{name}'") for name in GENERATION_SHARDS]),
    )
    .order_by((sequences.c.name == GENERATION).desc(), sa.func.random())
    .limit(1)
    .with_for_update(skip_locked=True)
    .cte("free_shard")
)
# Compiled once (``RawStatement``): every write of an activity runs it.
_BUMP_FREE_SHARD = RawStatement(
    sequences.update()
    .where(sequences.c.portal_id == sa.bindparam("portal"), sequences.c.name == _FREE_SHARD.c.name)
    .values(value=sequences.c.value + 1)
    .returning(sequences.c.value)
)
_GENERATION_SUM = sa.select(sa.func.sum(sequences.c.value)).where(
    sequences.c.portal_id == sa.bindparam("portal_id"), sequences.c.name.in_(GENERATION_SHARDS)
)

# Built once: a prepared statement skips SQLAlchemy's construction work on the hottest read.
_BY_ID = sa.select(crm_activities).where(
    crm_activities.c.portal_id == sa.bindparam("portal_id"), crm_activities.c.id == sa.bindparam("id")
)


def raw_get_query(columns: tuple[Any, ...]) -> RawSelect:
    """The read of ``columns`` of one activity by id, for ``raw_get``: built once by its caller."""
    return RawSelect(
        sa.select(*columns).where(
            crm_activities.c.portal_id == sa.bindparam("portal_id"), crm_activities.c.id == sa.bindparam("id")
        )
    )


async def raw_get(db: Database, query: RawSelect, portal_id: int, activity_id: int) -> tuple[Any, ...] | None:
    """One activity read with ``query`` without leaving the event loop (the hot path of crm.activity.get,
    ``Database.read_on_loop``)."""
    rows = await db.read_on_loop(query, {"portal_id": portal_id, "id": activity_id})
    return rows[0] if rows else None


# The inserts of crm.activity.add, compiled once (the hot write path).
_INSERT_ACTIVITY = RawInsert(crm_activities)
_INSERT_BINDING = RawInsert(crm_activity_bindings)
_INSERT_COMMUNICATION = RawInsert(crm_activity_communications)


def touch(conn: Connection, portal_id: int) -> None:
    """Bump the portal's activity generation: every write does, so remembered counts expire with it.
    Once a transaction is enough (the bump is only seen when it commits), and it is made last, just
    before the COMMIT, on one of the generation's shards where the database has writers in parallel
    (``Database.allocates_outside``): a shard's row stays locked until the COMMIT is on disk, and one
    row for every writer of a portal made its adds wait for each other's disk flush, one at a time."""
    db = database_of(conn)
    sharded = db is not None and db.allocates_outside
    before_commit(conn, (GENERATION, portal_id), lambda c: _bump(c, portal_id, sharded=sharded))


def _bump(conn: Connection, portal_id: int, *, sharded: bool) -> None:
    """One more on the first generation counter no other transaction holds (the first one, unless it is
    taken), or on a counter of its own when all are taken."""
    if sharded:
        cursor = _BUMP_FREE_SHARD.run(conn, {"portal": portal_id})
        try:
            bumped = cursor.fetchone() is not None
        finally:
            cursor.close()
        if bumped:
            return
        if conn.execute(_GENERATION_SUM, {"portal_id": portal_id}).scalar() is not None:  # all taken
            next_id(conn, portal_id, GENERATION_SHARDS[random.randrange(1, len(GENERATION_SHARDS))])
            return
    next_id(conn, portal_id, GENERATION)


def generation(conn: Connection, portal_id: int) -> int:
    """The portal's activity generation as this transaction sees it, the sum of its shards (each bump
    adds one to one of them): a bump it left for its COMMIT is made first, so that a count it remembers
    is never keyed by the generation before its own writes."""
    run_before_commit(conn, (GENERATION, portal_id))
    return int(conn.execute(_GENERATION_SUM, {"portal_id": portal_id}).scalar() or 0)


def insert_activity(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    return insert_activity_returning(conn, portal_id, values, _INSERT_ACTIVITY)[0]


def insert_activity_returning(
    conn: Connection, portal_id: int, values: dict[str, Any], insert: RawInsert
) -> tuple[int, tuple[Any, ...] | None]:
    """``insert_activity`` through ``insert`` (a ``RawInsert`` of the table): the new ID, and the row its
    RETURNING columns make."""
    activity_id = next_hot_id(conn, portal_id, "crm_activity")
    row = insert.run(conn, {**values, "portal_id": portal_id, "id": activity_id})
    touch(conn, portal_id)
    return activity_id, row


def get_activity(conn: Connection, portal_id: int, activity_id: int) -> dict[str, Any] | None:
    row = conn.execute(_BY_ID, {"portal_id": portal_id, "id": activity_id}).mappings().first()
    return dict(row) if row else None


def update_activity(conn: Connection, portal_id: int, activity_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        crm_activities.update()
        .where(crm_activities.c.portal_id == portal_id, crm_activities.c.id == activity_id)
        .values(**values)
    )
    touch(conn, portal_id)


def delete_activity(conn: Connection, portal_id: int, activity_id: int) -> None:
    for table in (
        crm_activity_bindings,
        crm_activity_communications,
        crm_activity_files,
        crm_activity_reminders,
    ):
        conn.execute(table.delete().where(table.c.portal_id == portal_id, table.c.activity_id == activity_id))
    # Applications' additional content blocks on it and its note, whichever path deletes it (the call,
    # the owner's deletion).
    blocks = crm_layout_blocks.c
    conn.execute(
        crm_layout_blocks.delete().where(
            blocks.portal_id == portal_id, blocks.item_kind == ACTIVITY_BLOCKS, blocks.item_id == activity_id
        )
    )
    notes = crm_notes.c
    conn.execute(
        crm_notes.delete().where(
            notes.portal_id == portal_id, notes.item_type == ACTIVITY_NOTE, notes.item_id == activity_id
        )
    )
    conn.execute(
        crm_activities.delete().where(
            crm_activities.c.portal_id == portal_id, crm_activities.c.id == activity_id
        )
    )
    touch(conn, portal_id)


# --- bindings -------------------------------------------------------------------------------------------


def bindings_of(conn: Connection, portal_id: int, activity_ids: Sequence[int]) -> dict[int, list[Binding]]:
    found: dict[int, list[Binding]] = {i: [] for i in activity_ids}
    if not activity_ids:
        return found
    b = crm_activity_bindings
    stmt = (
        sa.select(b.c.activity_id, b.c.owner_type_id, b.c.owner_id)
        .where(b.c.portal_id == portal_id, b.c.activity_id.in_(list(activity_ids)))
        .order_by(b.c.activity_id, b.c.position)
    )
    for activity_id, owner_type_id, owner_id in conn.execute(stmt):
        found[activity_id].append((owner_type_id, owner_id))
    return found


def replace_bindings(
    conn: Connection, portal_id: int, activity_id: int, bindings: Sequence[Binding], *, new: bool = False
) -> None:
    """The activity's bindings become ``bindings`` (``new``: it has none yet, nothing to delete)."""
    b = crm_activity_bindings
    if not new:
        conn.execute(b.delete().where(b.c.portal_id == portal_id, b.c.activity_id == activity_id))
    touch(conn, portal_id)
    for n, (t, i) in enumerate(bindings):
        _INSERT_BINDING.run(
            conn,
            {
                "portal_id": portal_id,
                "activity_id": activity_id,
                "owner_type_id": t,
                "owner_id": i,
                "position": n,
            },
        )


def activities_bound_to(conn: Connection, portal_id: int, owner_type_id: int, owner_id: int) -> list[int]:
    b = crm_activity_bindings
    stmt = (
        sa.select(b.c.activity_id)
        .where(b.c.portal_id == portal_id, b.c.owner_type_id == owner_type_id, b.c.owner_id == owner_id)
        .order_by(b.c.activity_id)
    )
    return [row[0] for row in conn.execute(stmt)]


# --- communications -------------------------------------------------------------------------------------


def _rows_by_activity(
    conn: Connection, table: sa.Table, portal_id: int, activity_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in activity_ids}
    if not activity_ids:
        return found
    stmt = (
        sa.select(table)
        .where(table.c.portal_id == portal_id, table.c.activity_id.in_(list(activity_ids)))
        .order_by(table.c.activity_id, table.c.id)
    )
    for row in conn.execute(stmt).mappings():
        found[row["activity_id"]].append(dict(row))
    return found


def communications_of(
    conn: Connection, portal_id: int, activity_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    return _rows_by_activity(conn, crm_activity_communications, portal_id, activity_ids)


def replace_communications(
    conn: Connection,
    portal_id: int,
    activity_id: int,
    communications: Iterable[dict[str, Any]],
    *,
    new: bool = False,
) -> None:
    c = crm_activity_communications
    if not new:
        conn.execute(c.delete().where(c.c.portal_id == portal_id, c.c.activity_id == activity_id))
    for entry in communications:
        _INSERT_COMMUNICATION.run(
            conn,
            {
                **entry,
                "portal_id": portal_id,
                "id": next_hot_id(conn, portal_id, "crm_activity_communication"),
                "activity_id": activity_id,
            },
        )


# --- files ----------------------------------------------------------------------------------------------


def insert_file(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    file_id = next_id(conn, portal_id, "crm_activity_file")
    conn.execute(crm_activity_files.insert().values(portal_id=portal_id, id=file_id, **values))
    return file_id


def files_of(
    conn: Connection, portal_id: int, activity_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    return _rows_by_activity(conn, crm_activity_files, portal_id, activity_ids)


def file_by_id(conn: Connection, portal_id: int, file_id: int) -> dict[str, Any] | None:
    f = crm_activity_files
    row = conn.execute(sa.select(f).where(f.c.portal_id == portal_id, f.c.id == file_id)).mappings().first()
    return dict(row) if row else None


def delete_files(conn: Connection, portal_id: int, file_ids: Sequence[int]) -> None:
    if file_ids:
        f = crm_activity_files
        conn.execute(f.delete().where(f.c.portal_id == portal_id, f.c.id.in_(list(file_ids))))


# --- reminders ------------------------------------------------------------------------------------------


def replace_reminders(
    conn: Connection, portal_id: int, activity_id: int, reminders: Iterable[dict[str, Any]]
) -> None:
    """The activity's pending reminders become ``reminders``; fired ones stay as the record of them."""
    r = crm_activity_reminders
    conn.execute(
        r.delete().where(r.c.portal_id == portal_id, r.c.activity_id == activity_id, r.c.fired.is_(None))
    )
    for reminder in reminders:
        conn.execute(
            r.insert().values(
                portal_id=portal_id,
                id=next_id(conn, portal_id, "crm_activity_reminder"),
                activity_id=activity_id,
                **reminder,
            )
        )


def fire_due_reminders(conn: Connection, now: float) -> int:
    """Mark every reminder whose time has come as fired (all portals); answers how many."""
    r = crm_activity_reminders
    stmt = r.update().where(r.c.fired.is_(None), r.c.due <= now).values(fired=now)
    return conn.execute(stmt).rowcount or 0


def reminders_of_portal(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    r = crm_activity_reminders
    stmt = sa.select(r).where(r.c.portal_id == portal_id).order_by(r.c.due, r.c.id)
    return [dict(row) for row in conn.execute(stmt).mappings()]
