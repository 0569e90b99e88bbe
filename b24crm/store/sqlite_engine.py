"""SQLite's engines, and the budget of storage work run on the event loop (``Database.inline``): only
SQLite can stop a statement that runs over it (its progress handler) and refuse to wait for a lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine


class OverBudget(Exception):
    """Storage work begun on the event loop (``Database.inline``) would take longer than its budget, or
    wait for a lock: it was stopped and rolled back, to be run again in a thread."""


# SQLite virtual-machine steps between two looks at the inline budget: a key read takes fewer, so it never
# pays for a look; a scan looks every few microseconds.
BUDGET_CHECK_STEPS = 1000
# How long a connection waits for another process's write lock (SQLite) outside the event loop.
BUSY_TIMEOUT_MS = 60000


class InlineBudget(threading.local):
    """The budget of the storage work the current thread runs on the event loop: its deadline while
    there is one, and whether it was overrun (``tripped``)."""

    deadline: float | None = None
    tripped: bool = False

    def over(self) -> int:
        """SQLite's progress handler: non-zero stops the statement ("interrupted")."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.tripped = True
            return 1
        return 0


def sqlite_engine(url: URL, budget: InlineBudget, *, pool_size: int, immediate: bool) -> Engine:
    """An engine of ``pool_size`` connections in WAL mode whose transactions begin with ``BEGIN
    IMMEDIATE`` (the writer) or ``BEGIN``, watched by ``budget`` while it has a deadline."""
    engine = sa.create_engine(
        url,
        poolclass=sa.QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"check_same_thread": False, "timeout": 60},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Reads of a large table by key: mapped pages skip a read() call per page, and a bigger
        # cache keeps the upper levels of the indexes in the process. The map covers a database of
        # up to 2 GB (SQLite's own ceiling): with 1,000,000 activities (770 MB) a random get ran
        # 3-6 % faster than with 256 MB mapped (bench/README.md). Untouched pages cost no memory.
        cursor.execute("PRAGMA mmap_size=2147418112")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    # The budget's progress handler is set only on a connection taken for inline work: it is a call
    # into Python every thousand steps, which a scan in a thread would pay for (waiting each time for
    # the interpreter: a scanning list ran 2.3 times slower with it always set).
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if budget.deadline is not None:
            dbapi_conn.set_progress_handler(budget.over, BUDGET_CHECK_STEPS)
            record.info["budgeted"] = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        if record.info.pop("budgeted", False) and dbapi_conn is not None:
            dbapi_conn.set_progress_handler(None, BUDGET_CHECK_STEPS)

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: through exec_driver_sql this costs more than a small transaction.
        driver: Any = conn.connection.driver_connection
        if not immediate or budget.deadline is None:
            driver.execute(begin)
            return
        # On the event loop a write must not wait for another process's lock: it moves to a thread.
        driver.execute("PRAGMA busy_timeout=0")
        try:
            driver.execute(begin)
        except sqlite3.OperationalError as exc:
            budget.tripped = True
            raise OverBudget() from exc
        finally:
            driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    return engine
