"""The database handle: one writer and concurrent readers on SQLite (WAL), a connection pool on PostgreSQL.

This module (with ``sql.py``) is the only place that knows which dialect it talks to. Services open
``db.read()`` or ``db.write()`` around a unit of work; both yield a SQLAlchemy Core connection inside a
transaction that commits on success and rolls back on any exception.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import URL, Connection, Engine, make_url

from b24crm.store.credential_watch import CredentialWatch, open_watch
from b24crm.store.loop_reads import LoopReads
from b24crm.store.memo import Memo
from b24crm.store.sqlite_engine import BUDGET_CHECK_STEPS, InlineBudget, OverBudget, sqlite_engine
from b24crm.store.transactions import (
    forget_before_commit,
    postgres_engine,
    register,
    run_all_before_commit,
)

log = logging.getLogger("b24crm.store")

# Where a write transaction keeps the signals it raises until it commits (``signal_after_commit``).
_SIGNALS = "b24crm.signals"


def signal_after_commit(conn: Connection, signal: str) -> None:
    """Have ``Database.write`` call ``signal``'s listeners once the transaction of ``conn`` has committed
    (never on rollback): how the event worker learns of new deliveries without polling the database."""
    conn.info.setdefault(_SIGNALS, set()).add(signal)


def normalise_url(raw: str) -> URL:
    """Accept the URLs people type (``postgresql://``, ``postgres://``) and pin the psycopg 3 driver."""
    url = make_url(raw.replace("postgres://", "postgresql://", 1) if raw.startswith("postgres://") else raw)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


class Database:
    def __init__(self, url: str, *, reader_pool_size: int = 8) -> None:
        self.url = normalise_url(url)
        self.dialect = self.url.get_backend_name()
        # Set while storage work runs on the event loop under a budget (``inline``); per thread.
        self._inline = InlineBudget()
        # Only SQLite can stop a statement that runs over its budget (its progress handler) and refuse to
        # wait for a lock; on PostgreSQL a statement holds its caller until the server answers.
        self.can_inline = self.dialect == "sqlite"
        # Whether a look for work can lock what it finds and pass over what others locked (``FOR UPDATE
        # SKIP LOCKED``): then several processes claim from one queue without waiting on each other.
        # SQLite's write transactions are serial already, so a look there is made before the write.
        self.claims_skip_locked = self.dialect == "postgresql"
        # Whether the hot counters' IDs are taken outside the caller's transaction (``next_id_outside``):
        # on PostgreSQL, so that concurrent writers of a portal do not queue on the counter's row lock
        # until each commits (an ID is then used up by a rolled-back insert, as MySQL's AUTO_INCREMENT
        # is). SQLite's writers are serial: there the counter stays in the transaction, without gaps.
        self.allocates_outside = self.dialect == "postgresql"
        # SQLite's one writer connection is taken through this gate, which inline work can try without
        # waiting (the pool's checkout can only wait).
        self._write_gate = threading.Lock() if self.can_inline else None
        self.inline_overruns = 0  # inline work stopped and sent to a thread: for the tests and the bench
        if self.dialect == "sqlite":
            if not self.url.database or self.url.database == ":memory:":
                raise ValueError("SQLite needs a file path: several connections must share one database")
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            # One connection for writes: SQLite admits one writer at a time, so queueing here instead of
            # in SQLite's busy handler keeps writers fair and never raises "database is locked".
            self._writer = sqlite_engine(self.url, self._inline, pool_size=1, immediate=True)
            self._reader = sqlite_engine(self.url, self._inline, pool_size=reader_pool_size, immediate=False)
            register(self._writer, self)
            register(self._reader, self)
        elif self.dialect == "postgresql":
            self._writer = self._reader = postgres_engine(self.url, self)
        else:
            raise ValueError(f"unsupported database: {self.dialect} (use sqlite:/// or postgresql://)")
        # Idle bare connections for ``read_raw``, the last returned first; at most ``reader_pool_size``
        # are kept, any further one is closed when given back.
        self._raw_idle: list[Any] = []
        self._raw_keep = reader_pool_size
        self._raw_lock = threading.Lock()
        self._disposed = False
        self._listeners: dict[str, list[Callable[[], None]]] = {}
        # The repositories' speed-ups: compiled list plans and remembered counts, bounded by bytes (a key
        # can hold a filter of thousands of values). Kept here so that no rule above the store holds them.
        self.plans = Memo(max_bytes=64 * 1024 * 1024)
        self.counts = Memo(max_bytes=16 * 1024 * 1024)
        self._credential_watch: CredentialWatch | None = None
        self._watch_lock = threading.Lock()
        # ``read_key``: idle cursors, each on a bare connection of its own, bounded as ``_raw_idle`` is.
        self._key_cursors: list[Any] = []
        # On PostgreSQL no more than that are in use at once either: the writers take their IDs there, and
        # with more writers than kept cursors the extra ones were opened and closed again for a single
        # statement (a server process forked each time). A writer waits its turn for a statement of a
        # few hundred microseconds, in its thread; on SQLite the reads are made on the event loop, which
        # never waits.
        self._key_slots = (
            threading.BoundedSemaphore(reader_pool_size) if self.dialect == "postgresql" else None
        )
        # ``read_on_loop``'s asynchronous connections (PostgreSQL), bounded per event loop as above.
        self._loop_reads: LoopReads | None = None
        if self.dialect == "postgresql":
            cargs, cparams = self._reader.dialect.create_connect_args(self.url)
            self._loop_reads = LoopReads(cargs, cparams, reader_pool_size)
        # What a lost connection raises through the driver: worth one retry on a fresh connection.
        self.connection_errors: tuple[type[Exception], ...] = (
            (psycopg.OperationalError, psycopg.InterfaceError)
            if self.dialect == "postgresql"
            else (sqlite3.OperationalError, sqlite3.InterfaceError)
        )

    @contextmanager
    def inline(self, budget: float) -> Iterator[None]:
        """Run storage work on the calling thread (the event loop) only while it stays short: a statement
        still running ``budget`` seconds after the start is stopped, and a write that would wait for the
        writer connection or the database's lock does not wait; either raises ``OverBudget`` once the
        transaction is rolled back, and the caller runs the work again in a thread. Most calls are done
        long before (a key read, a page from an index), without the cost of the hop to a thread."""
        if not self.can_inline:
            raise OverBudget()
        state = self._inline
        state.deadline = time.perf_counter() + budget
        state.tripped = False
        try:
            yield
        except Exception as exc:
            if not state.tripped:
                raise
            self.inline_overruns += 1
            if isinstance(exc, OverBudget):
                raise
            raise OverBudget() from exc
        finally:
            state.deadline = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        gate = self._write_gate
        if gate is None:
            pass
        elif self._inline.deadline is None:
            gate.acquire()
        elif not gate.acquire(blocking=False):
            self._inline.tripped = True
            raise OverBudget()  # another thread holds the writer: waiting would hold the event loop
        try:
            with self._writer.begin() as conn:
                try:
                    yield conn
                    run_all_before_commit(conn)
                finally:
                    # Taken off the connection whatever happens: the pool hands it to the next writer.
                    signals = conn.info.pop(_SIGNALS, None)
                    forget_before_commit(conn)
        finally:
            if gate is not None:
                gate.release()
        if signals:  # committed: a listener's failure is logged, since it must not undo the answer
            for signal in signals:
                for callback in list(self._listeners.get(signal, ())):
                    try:
                        callback()
                    except Exception:
                        log.exception("listener of %r failed", signal)

    def listen(self, signal: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Register ``callback`` for ``signal``; answers the function that unregisters it. Callbacks run in
        the committing thread and must be quick."""
        self._listeners.setdefault(signal, []).append(callback)
        return lambda: self._listeners[signal].remove(callback)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._reader.begin() as conn:
            yield conn

    @contextmanager
    def read_each(self) -> Iterator[Connection]:
        """``read`` for reads whose statements need no snapshot in common: on PostgreSQL each statement
        commits on its own (autocommit), which spares a BEGIN and a COMMIT, two round trips of a list
        page's four. Nothing is lost there: in a READ COMMITTED transaction each statement takes its own
        snapshot too. On SQLite, where a read transaction is one snapshot and costs no round trip, it is
        ``read``."""
        if self.dialect != "postgresql":
            with self.read() as conn:
                yield conn
            return
        with self._reader.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def read_raw(self) -> Iterator[Any]:
        """A bare driver connection, in autocommit, outside any transaction SQLAlchemy manages: for
        single-statement reads on hot paths (``sql.RawSelect``), where the pool's checkout and reset cost
        more than the query. Connections are taken from a small stack of idle ones and given back to it
        (any beyond ``reader_pool_size`` idle ones are closed); one that failed is closed, not given back.
        For reads by key only: the inline budget does not watch these connections."""
        with self._raw_lock:
            driver = self._raw_idle.pop() if self._raw_idle else None
        if driver is None:
            driver = self.driver_connection()
        try:
            yield driver
        except Exception:
            with suppress(Exception):  # a lost connection may not close cleanly either
                driver.close()
            raise
        with self._raw_lock:
            if not self._disposed and len(self._raw_idle) < self._raw_keep:
                self._raw_idle.append(driver)
                return
        with suppress(Exception):
            driver.close()

    async def read_on_loop(self, query: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of ``query`` (a ``sql.RawSelect`` reading by key) without leaving the event loop:
        awaited on a connection of the loop's own on PostgreSQL (``loop_reads.py``); on SQLite read on a
        ``read_raw`` connection as it is, a key read of a WAL reader, which never waits for a writer
        (the inline work of bounded methods reads so)."""
        if self._loop_reads is None:
            try:
                with self.read_raw() as driver:
                    return query.rows(driver, self.dialect, params)  # type: ignore[no-any-return]
            except self.connection_errors:  # the kept connection was lost: once more, afresh
                with self.read_raw() as driver:
                    return query.rows(driver, self.dialect, params)  # type: ignore[no-any-return]
        sql, names = query.numbered()
        values = [params[name] for name in names]
        try:
            return await self._loop_reads.rows(sql, values)
        except self.connection_errors:  # a kept connection lost (a database restart): once more, afresh
            return await self._loop_reads.rows(sql, values)

    async def close_loop_reads(self) -> None:
        """Close the running event loop's connections of ``read_on_loop`` (its app is stopping)."""
        if self._loop_reads is not None:
            await self._loop_reads.close_loop()

    def driver_connection(self) -> Any:
        """A new bare driver connection, the caller's own to close: made by the reader engine (so with its
        settings), detached from its pool; in autocommit on PostgreSQL. For a connection that lives as
        long as the process, such as the credential watch's listener."""
        pooled = self._reader.raw_connection()
        driver = pooled.driver_connection
        assert driver is not None
        pooled.detach()
        if self.dialect == "postgresql":
            driver.autocommit = True
        else:
            driver.set_progress_handler(None, BUDGET_CHECK_STEPS)  # set if it was made by inline work
        return driver

    def _key_connection(self) -> Any:
        """A new bare connection for ``read_key``. On PostgreSQL it is made outside the pool: a write
        transaction holding a pooled connection takes IDs through ``read_key`` (``next_id_outside``), and
        with every pooled connection held so, a checkout there waited for the pool's timeout (30 s)."""
        if self.dialect != "postgresql":
            return self.driver_connection()
        cargs, cparams = self._reader.dialect.create_connect_args(self.url)
        driver = psycopg.connect(*cargs, **{**cparams, "autocommit": True})
        # A counter's row stays locked until its statement's commit is on disk: waiting for the flush
        # made every writer of a portal take its IDs one flush at a time. Not waiting loses nothing: a
        # row that uses the ID commits later, and its flush takes the counter's with it (the log is
        # written in order), so no ID in use can be handed out again after a crash.
        driver.execute("SET synchronous_commit = off")
        return driver

    def read_key(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a read by key (``sql`` in the driver's own parameter style), on a kept cursor of a
        bare connection, in autocommit: for a read made on every call of a hot path (the credential
        watch's counter on SQLite: 6 µs, against 10 µs with ``read_raw``'s checkout and a new cursor,
        measured in-process). Cursors are taken from a small stack of idle ones and given back, at most
        ``reader_pool_size`` kept, like ``read_raw``'s connections: a cursor per thread kept a connection
        for every thread that ever ran, never closed. The rows are read to the end, so that no read
        transaction stays open between calls (an open one would keep SQLite's WAL from being
        checkpointed). A cursor whose connection failed is closed with it, not given back."""
        if self._key_slots is None:
            return self._read_key(sql, params)
        with self._key_slots:
            return self._read_key(sql, params)

    def _read_key(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with self._raw_lock:
            cursor = self._key_cursors.pop() if self._key_cursors else None
        if cursor is None:
            cursor = self._key_connection().cursor()
        try:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        except Exception:
            with suppress(Exception):  # a lost connection may not close cleanly either
                cursor.connection.close()
            raise
        with self._raw_lock:
            if not self._disposed and len(self._key_cursors) < self._raw_keep:
                self._key_cursors.append(cursor)
                return rows
        with suppress(Exception):
            cursor.connection.close()
        return rows

    def next_id_outside(self, portal_id: int, name: str) -> int:
        """The portal's next ID for ``name``, taken in a statement of its own on a bare connection in
        autocommit (``allocates_outside``): the counter's row is locked for that statement only."""
        return self.next_ids_outside(portal_id, {name: 1})[name]

    def next_ids_outside(self, portal_id: int, wanted: dict[str, int]) -> dict[str, int]:
        """``next_id_outside`` for several counters at once, moving each by its count in ``wanted``; answers
        each counter's new value, the last of the IDs it gave. One statement: the rows are locked in the
        order of their names, so that two such statements never wait for each other in a circle."""
        names = sorted(wanted)
        if not names:
            return {}
        rows = ", ".join(f"(%(portal_id)s, %(name{n})s, %(count{n})s)" for n in range(len(names)))
        sql = (
            f"INSERT INTO sequences (portal_id, name, value) VALUES {rows} ON CONFLICT (portal_id, name) "
            "DO UPDATE SET value = sequences.value + excluded.value RETURNING name, value"
        )
        params: dict[str, Any] = {"portal_id": portal_id}
        for n, name in enumerate(names):
            params[f"name{n}"], params[f"count{n}"] = name, wanted[name]
        try:
            found = self.read_key(sql, params)
        except self.connection_errors:  # a kept connection lost (a database restart): once more, afresh
            found = self.read_key(sql, params)
        return {name: int(value) for name, value in found}

    def credential_watch(self) -> CredentialWatch:
        """What the credential caches check their entries against (``credential_watch.py``): one per
        database handle, shared by every service on it, stopped by ``dispose``."""
        watch = self._credential_watch
        if watch is None:
            with self._watch_lock:
                watch = self._credential_watch
                if watch is None:
                    watch = self._credential_watch = open_watch(self)
        return watch

    def maintain(self, *tables: str) -> None:
        """Refresh planner statistics (and, on PostgreSQL, the visibility map) after a bulk load, as
        autovacuum would do eventually; index-only counts depend on it."""
        if self.dialect == "postgresql":
            with self._writer.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in tables:
                    conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        else:
            with self.write() as conn:
                for table in tables:
                    conn.exec_driver_sql(f"ANALYZE {table}")

    @property
    def engine(self) -> Engine:
        """The writer engine, for migrations and maintenance."""
        return self._writer

    def dispose(self) -> None:
        if self._loop_reads is not None:
            self._loop_reads.close()
        if self._credential_watch is not None:
            self._credential_watch.close()
            self._credential_watch = None
        with self._raw_lock:
            self._disposed = True
            idle, self._raw_idle = self._raw_idle, []
            idle += [cursor.connection for cursor in self._key_cursors]
            self._key_cursors = []
        for driver in idle:
            with suppress(Exception):  # already gone with its server
                driver.close()
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()
