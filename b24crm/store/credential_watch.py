"""How a process's caches of resolved credentials (webhooks, access tokens) learn that another process, or
this one, changed what they hold: a revoked webhook, an ended token, a deactivated user, an uninstalled
app must be refused by every process at once, not when a cache entry's time runs out.

Triggers (migration 0007) bump the portal's counter in ``credential_generations`` in the same transaction
as any such change. A cache entry keeps a *stamp* taken when it was resolved; a cache hit is used only while
``fresh`` says the stamp still holds:

- SQLite: the stamp is the counter read in the resolving read transaction (the same snapshot as the rows it
  resolved), and ``fresh`` reads it again on a cursor this thread keeps on a bare driver connection
  (``Database.read_key``): a key read of about 6 µs, no SQLAlchemy, no pool (through ``read_raw`` and
  ``RawSelect`` it took 9-10 µs, measured in-process).
- PostgreSQL: a query per call would be a round trip, so each process keeps a listener connection on the
  trigger's NOTIFY (sent at commit). The stamp is the listener's position taken *before* the resolving read;
  ``fresh`` holds while no notification for that portal arrived after it, and never while the listener is
  disconnected: every reconnection starts a new epoch, which voids every earlier stamp, since a notification
  may have been missed meanwhile. The price is the notification's delivery, well under a millisecond on a
  local server: another process refuses a revoked credential as soon as its listener has read it.

This module and ``engine.py`` are where the dialects differ; callers see ``mark``, ``stamp`` and ``fresh``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from b24crm.store.tables import credential_generations

if TYPE_CHECKING:
    from b24crm.store.engine import Database

log = logging.getLogger("b24crm.store")

CHANNEL = "b24crm_credentials"  # what the triggers of migration 0007 NOTIFY
APPLICATION_NAME = "b24crm credential watch"

_VALUE = sa.select(credential_generations.c.value).where(
    credential_generations.c.portal_id == sa.bindparam("portal_id")
)
# Compiled once, for the driver: ``SELECT ... WHERE portal_id = ?``.
_SQLITE_VALUE = str(_VALUE.compile(dialect=sqlite.dialect()))


class CredentialWatch:
    """The protocol of a resolving cache: ``mark()`` before reading the credential's rows, ``stamp(conn,
    portal, mark)`` inside that read (None: do not cache), ``fresh(portal, stamp)`` on every hit."""

    def mark(self) -> Any:
        return None

    def stamp(self, conn: Connection, portal_id: int, mark: Any) -> Any:
        raise NotImplementedError

    def fresh(self, portal_id: int, stamp: Any) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SqliteWatch(CredentialWatch):
    def __init__(self, db: Database) -> None:
        self.db = db

    def stamp(self, conn: Connection, portal_id: int, mark: Any) -> Any:
        return conn.execute(_VALUE, {"portal_id": portal_id}).scalar()

    def fresh(self, portal_id: int, stamp: Any) -> bool:
        if stamp is None:
            return False
        try:
            rows = self.db.read_key(_SQLITE_VALUE, (portal_id,))
        except self.db.connection_errors:
            return False  # the caller resolves from the database, which answers or fails as it will
        # No row: the portal is gone (deleting it deletes its counter).
        return bool(rows) and rows[0][0] == stamp


class PostgresWatch(CredentialWatch):
    """A listener thread on its own connection; see the module's docstring."""

    POLL = 0.5  # seconds between looks at the stop flag while waiting for notifications
    PING = 5.0  # seconds of silence after which the connection is asked whether it still answers
    START_WAIT = 5.0  # how long the first caller waits for the listener to connect
    MAX_RETRY_DELAY = 2.0

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        # (listening, epoch, position): one tuple, so that a reader sees the three consistent.
        self._state: tuple[bool, int, int] = (False, 0, 0)
        self._last: dict[int, int] = {}  # portal -> position of its latest notification
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- what the caches call -----------------------------------------------------------------------

    def mark(self) -> Any:
        if self._thread is None:
            self._start()
        return self._state

    def stamp(self, conn: Connection, portal_id: int, mark: Any) -> Any:
        listening, epoch, position = mark
        return (epoch, position) if listening else None

    def fresh(self, portal_id: int, stamp: Any) -> bool:
        if stamp is None:
            return False
        listening, epoch, _ = self._state
        return listening and stamp[0] == epoch and self._last.get(portal_id, 0) <= stamp[1]

    @property
    def listening(self) -> bool:
        return self._state[0]

    # --- the listener -------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="b24crm-credential-watch", daemon=True)
                self._thread.start()
            started = self._thread is not None
        if started:  # the first callers wait for the listener, so that the first calls are cached too
            self._ready.wait(self.START_WAIT)

    def _run(self) -> None:
        delay = 0.05
        outage_logged = False
        while not self._stop.is_set():
            conn = None
            try:
                conn = self._connect()
                # Named, so that an operator can tell it apart in pg_stat_activity.
                conn.execute(f"SET application_name = '{APPLICATION_NAME}'")
                conn.execute(f"LISTEN {CHANNEL}")
            except Exception as exc:
                if conn is not None:  # connected, then failed: not left open behind the retry
                    with suppress(Exception):
                        conn.close()
                if not outage_logged:
                    log.warning("credential watch cannot listen (%s); retrying, caches unused meanwhile", exc)
                    outage_logged = True
                self._ready.set()  # nobody waits for a database that is not there
                self._stop.wait(delay)
                delay = min(delay * 2, self.MAX_RETRY_DELAY)
                continue
            delay, outage_logged = 0.05, False
            with self._lock:
                # A new epoch: whatever was stamped before may have missed notifications while down.
                self._last.clear()
                self._state = (True, self._state[1] + 1, self._state[2])
            self._ready.set()
            try:
                self._listen(conn)
            except Exception as exc:
                if not self._stop.is_set():
                    log.warning("credential watch lost its connection (%s); caches unused until back", exc)
                    outage_logged = True
            finally:
                with self._lock:
                    self._state = (False, *self._state[1:])
                try:
                    conn.close()
                except Exception:  # a lost connection may not close cleanly
                    log.debug("closing the lost listener connection failed", exc_info=True)

    def _listen(self, conn: Any) -> None:
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            for notify in conn.notifies(timeout=self.POLL):
                self._notified(notify.payload)
                quiet_since = time.monotonic()
            if time.monotonic() - quiet_since >= self.PING:
                # A server gone without closing the socket would otherwise leave the caches trusted.
                conn.execute("SELECT 1")
                quiet_since = time.monotonic()

    def _notified(self, payload: str) -> None:
        with self._lock:
            listening, epoch, position = self._state
            try:
                self._last[int(payload)] = position + 1
            except ValueError:  # not a portal: void everything
                epoch += 1
            self._state = (listening, epoch, position + 1)

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(self.POLL * 4)


def open_watch(db: Database) -> CredentialWatch:
    if db.dialect == "postgresql":
        return PostgresWatch(db.driver_connection)
    return SqliteWatch(db)
