"""The server's clock control, kept in the database so that every server process on it keeps one time:
either nothing (the real time), an offset from the real time, or a frozen instant. One row,
``clock_control`` with portal_id 0 (the server's; every table carries a portal column).

How a process learns of a change at once, and cheaply on the path of every ``now()``:

- SQLite: the row is read by key on a kept cursor of a bare connection (``Database.read_key``, 7-14 µs,
  as the credential watch reads its counter; no row means the real time), at most once a millisecond: a
  ``server.time`` call reads the clock six times, and a read on each cost it 40-90 µs (bench/README.md).
  Another process sees a change within that millisecond, sooner than a PostgreSQL notification arrives.
- PostgreSQL: a listener connection per process on ``NOTIFY b24crm_clock`` (sent at commit by the write
  that changes the row) holds the state in memory, so ``now()`` makes no query. The listener starts with
  the control (at a runtime's start, waiting for it at most ``START_WAIT``); while it is reconnecting, the
  last state known answers (a call never waits on the database for the time), and the row is read again
  as it reconnects.

``store/engine.py`` and this module are where the dialects differ; callers see ``ClockControl.state``.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from b24crm.store.sql import upsert
from b24crm.store.tables import clock_control

if TYPE_CHECKING:
    from b24crm.store.engine import Database

log = logging.getLogger("b24crm.store")

CHANNEL = "b24crm_clock"
APPLICATION_NAME = "b24crm clock watch"
SERVER = 0  # the portal column of the server's own row

_ROW = sa.select(clock_control.c.frozen_at, clock_control.c.offset_seconds).where(
    clock_control.c.portal_id == SERVER
)
# Compiled once, for the driver (``Database.read_key``), with the server's row bound in.
_SQL = {
    name: str(_ROW.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    for name, dialect in (("sqlite", sqlite.dialect()), ("postgresql", postgresql.dialect()))
}


class Control(NamedTuple):
    """What the clock is told: frozen at an instant (Unix seconds), or running ``offset`` seconds from the
    real time."""

    frozen: float | None
    offset: float


def read(conn: Connection) -> Control | None:
    row = conn.execute(_ROW).first()
    return None if row is None else Control(row.frozen_at, float(row.offset_seconds))


def write(conn: Connection, control: Control | None) -> None:
    """Set (or, with None, remove) the control; on PostgreSQL every process's listener hears of it when
    the transaction commits."""
    if control is None or (control.frozen is None and control.offset == 0):
        conn.execute(clock_control.delete().where(clock_control.c.portal_id == SERVER))
    else:
        conn.execute(
            upsert(conn.dialect.name, clock_control, ("portal_id",), ("frozen_at", "offset_seconds")),
            {"portal_id": SERVER, "frozen_at": control.frozen, "offset_seconds": control.offset},
        )
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_notify(CHANNEL, "")))


def _from_rows(rows: list[tuple[Any, ...]]) -> Control | None:
    return Control(rows[0][0], float(rows[0][1])) if rows else None


class ClockControl:
    """The control in force, as ``ControlledClock`` asks it on every ``now()``: on SQLite a key read."""

    FRESH = 0.001  # seconds a read of the row answers for

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sql = _SQL[db.dialect]
        self._last: Control | None = None
        self._read_at = -1.0

    def state(self) -> Control | None:
        if time.monotonic() - self._read_at < self.FRESH:
            return self._last
        found = self._read()
        self._read_at = time.monotonic()
        return found

    def _read(self) -> Control | None:
        try:
            self._last = _from_rows(self.db.read_key(self._sql, ()))
        except Exception:  # a busy or restarting database: the time last known
            log.debug("reading the clock control failed", exc_info=True)
        return self._last

    def changed(self, control: Control | None) -> None:
        """This process wrote ``control``: seen here at once, before any notification arrives."""
        self._last = control
        self._read_at = time.monotonic()

    def close(self) -> None:
        pass


class PostgresClockControl(ClockControl):
    """The state held in memory, refreshed by a listener thread on its own connection (see the module's
    docstring)."""

    POLL = 0.5  # seconds between looks at the stop flag while waiting for notifications
    PING = 5.0  # seconds of silence after which the connection is asked whether it still answers
    START_WAIT = 5.0
    MAX_RETRY_DELAY = 2.0

    def __init__(self, db: Database, connect: Callable[[], Any]) -> None:
        super().__init__(db)
        self._connect = connect
        self._listening = False
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def state(self) -> Control | None:
        # Never a query here, on the path of every now() (the event loop's included): the listener thread
        # keeps ``_last``, reading the row again each time it (re)connects.
        if self._thread is None:
            self._start()
        return self._last

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="b24crm-clock-watch", daemon=True)
                self._thread.start()
        self._ready.wait(self.START_WAIT)

    def _run(self) -> None:
        delay = 0.05
        while not self._ended():
            conn = None
            try:
                conn = self._connect()
                conn.execute(f"SET application_name = '{APPLICATION_NAME}'")
                conn.execute(f"LISTEN {CHANNEL}")
                # Read after LISTEN: a change committed from here on is both read and notified.
                self._last = _from_rows(conn.execute(self._sql).fetchall())
            except Exception as exc:
                if conn is not None:
                    with suppress(Exception):
                        conn.close()
                log.debug("clock watch cannot listen (%s); the row is read on each call meanwhile", exc)
                self._ready.set()
                self._stop.wait(delay)
                delay = min(delay * 2, self.MAX_RETRY_DELAY)
                continue
            delay = 0.05
            self._listening = True
            self._ready.set()
            try:
                self._listen(conn)
            except Exception as exc:
                if not self._ended():
                    log.warning("clock watch lost its connection (%s); reading the row on each call", exc)
            finally:
                self._listening = False
                with suppress(Exception):
                    conn.close()

    def _listen(self, conn: Any) -> None:
        quiet_since = time.monotonic()
        while not self._ended():
            if any(True for _ in conn.notifies(timeout=self.POLL)):
                self._last = _from_rows(conn.execute(self._sql).fetchall())
                quiet_since = time.monotonic()
            if time.monotonic() - quiet_since >= self.PING:
                conn.execute("SELECT 1")  # a server gone without closing the socket is noticed
                quiet_since = time.monotonic()

    def _ended(self) -> bool:
        # A runtime given its database handle leaves it to the caller, whose ``dispose`` ends the listener
        # too (within a poll), so no handle leaves a connection behind.
        return self._stop.is_set() or bool(getattr(self.db, "_disposed", False))

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(self.POLL * 4)


# One control per database handle, shared by every runtime on it (tests build many runtimes on one
# handle: a listener each would hold a connection each).
_CONTROLS: weakref.WeakKeyDictionary[Database, ClockControl] = weakref.WeakKeyDictionary()
_CONTROLS_LOCK = threading.Lock()


def control_of(db: Database) -> ClockControl:
    """The database handle's clock control; ``close`` it with the handle."""
    with _CONTROLS_LOCK:
        control = _CONTROLS.get(db)
        if control is None:
            if db.dialect == "postgresql":
                control = PostgresClockControl(db, db.driver_connection)
                control.state()  # the listener starts here, at start-up, not on a request's first now()
            else:
                control = ClockControl(db)
            _CONTROLS[db] = control
        return control


def close_control(db: Database) -> None:
    with _CONTROLS_LOCK:
        control = _CONTROLS.pop(db, None)
    if control is not None:
        control.close()
