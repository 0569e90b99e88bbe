"""What a write transaction does beyond its statements, and the PostgreSQL engine's own settings: work left
for just before the COMMIT (a change counter's bump, so that its row lock is held from there only), IDs of
busy counters taken outside the transaction, and the pool's ping of idle connections only.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from b24crm.store.sql import next_id

if TYPE_CHECKING:
    from b24crm.store.engine import Database


# Where a write transaction keeps the work left for just before its COMMIT (``before_commit``), by key.
_BEFORE_COMMIT = "b24crm.before_commit"
# Where it keeps the IDs taken ahead for its inserts (``reserve_hot_ids``): (portal, counter) -> IDs left.
_RESERVED = "b24crm.reserved_ids"
# The database handle of each engine, for the statements that need more than their transaction
# (``database_of``): weakly, so that a disposed handle's engines go with it.
_DATABASES: weakref.WeakKeyDictionary[Engine, weakref.ref[Database]] = weakref.WeakKeyDictionary()
# A pooled PostgreSQL connection idle for longer than this is pinged before use (one round trip); one
# used more recently is trusted, so that a busy server pays no ping per transaction.
PING_AFTER_IDLE = 1.0


def before_commit(conn: Connection, key: Any, work: Callable[[Connection], object]) -> None:
    """Have ``Database.write`` run ``work(conn)`` once, as the last statement(s) of the transaction of
    ``conn`` (a second call with the same ``key`` adds nothing): for a write that takes a row lock every
    writer of a portal needs, such as a change counter, so that the lock is held from there to the
    COMMIT only, not for the whole transaction. ``run_before_commit`` runs it earlier, when the
    transaction must see it."""
    conn.info.setdefault(_BEFORE_COMMIT, {}).setdefault(key, work)


def run_before_commit(conn: Connection, key: Any) -> None:
    """Run now the work left for the COMMIT under ``key`` (``before_commit``), if any."""
    work = conn.info.get(_BEFORE_COMMIT, {}).pop(key, None)
    if work is not None:
        work(conn)


def database_of(conn: Connection) -> Database | None:
    """The database handle whose engine made ``conn``."""
    found = _DATABASES.get(conn.engine)
    return None if found is None else found()


def next_hot_id(conn: Connection, portal_id: int, name: str) -> int:
    """``sql.next_id`` for a counter every write of a busy portal takes (activities, their
    communications, events and deliveries): outside the transaction of ``conn`` where the database
    allocates so (``Database.allocates_outside``), else inside it. Never for a counter the same
    transaction has moved (``set_sequence``): the bare connection would wait for its lock."""
    reserved = conn.info.get(_RESERVED, {}).get((portal_id, name))
    if reserved:
        return reserved.pop()  # type: ignore[no-any-return]
    db = database_of(conn)
    if db is not None and db.allocates_outside:
        return db.next_id_outside(portal_id, name)
    return next_id(conn, portal_id, name)


def reserve_hot_ids(conn: Connection, portal_id: int, wanted: dict[str, int]) -> None:
    """Take the IDs the transaction of ``conn`` is about to use of several hot counters (``wanted``: how
    many of each) in one statement, where they are taken outside it: ``next_hot_id`` hands them out in
    order, and takes any further one as usual. crm.activity.add took its activity's, its
    communications' and its event's one statement each. An ID left unused is a gap, as a rollback's."""
    db = database_of(conn)
    if db is None or not db.allocates_outside:
        return  # taken in the transaction, one by one: nothing to save
    tops = db.next_ids_outside(portal_id, {name: n for name, n in wanted.items() if n > 0})
    reserved = conn.info.setdefault(_RESERVED, {})
    for name, top in tops.items():
        # Popped from the end: the lowest first.
        reserved[(portal_id, name)] = list(range(top, top - wanted[name], -1))


def run_all_before_commit(conn: Connection) -> None:
    """Run the work left for the COMMIT (``Database.write``, once the caller's block ended well)."""
    for work in (conn.info.pop(_BEFORE_COMMIT, None) or {}).values():
        work(conn)


def forget_before_commit(conn: Connection) -> None:
    """Drop what is left for the COMMIT, and the IDs reserved and not used (the transaction ended): the
    pool hands the connection on."""
    conn.info.pop(_BEFORE_COMMIT, None)
    conn.info.pop(_RESERVED, None)


def register(engine: Engine, db: Database) -> None:
    """Make ``db`` the handle ``database_of`` answers for the connections of ``engine``."""
    _DATABASES[engine] = weakref.ref(db)


def postgres_engine(url: URL, db: Database) -> Engine:
    """The pooled engine of a PostgreSQL database handle."""
    engine = sa.create_engine(url, pool_size=10, max_overflow=20)
    register(engine, db)

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # pool_pre_ping would cost a round trip per transaction; a connection in steady use is
        # trusted, and one lost meanwhile fails its statement and invalidates the pool.
        returned = record.info.get("returned")
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise sa.exc.DisconnectionError() from exc  # the pool retries with a fresh connection
        if not alive:
            raise sa.exc.DisconnectionError()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned"] = time.monotonic()

    return engine
