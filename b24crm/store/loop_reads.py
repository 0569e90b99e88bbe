"""Reads by key made on the event loop, over PostgreSQL connections of the event loop's own.

A key read on PostgreSQL is a round trip of a fraction of a millisecond, yet run in the thread pool it
cost crm.activity.get more than the read itself: the hop to a thread and back, and the two threads
taking turns at the interpreter (bench/README.md, "Runs N"). Awaited on the loop, the wait holds nothing
else up: other requests are served while the answer travels. Each connection reads at the client
library's level, by statements prepared once (``prepared_reader.py``).

Each event loop has its own connections (a connection waits on the loop that uses it; test clients run
an app per loop): at most ``keep`` of them, the callers beyond that waiting for one to come back. They
are closed with their loop's app (``close_loop``) or with the database handle (``close``).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from b24crm.store.prepared_reader import PreparedReader


class _LoopConnections:
    """One loop's idle connections, and the slots bounding how many are in use."""

    def __init__(self, keep: int) -> None:
        self.idle: list[PreparedReader] = []
        self.slots = asyncio.Semaphore(keep)


class LoopReads:
    """Bounded per-loop stacks of autocommit connections for single-statement reads by key."""

    def __init__(self, connect_args: Sequence[Any], connect_kwargs: Mapping[str, Any], keep: int) -> None:
        self._args = tuple(connect_args)
        self._kwargs = dict(connect_kwargs)
        self._keep = keep
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnections] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()  # loops run in different threads (an app per test client)
        self._closed = False

    def _connections(self) -> _LoopConnections:
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._loops.get(loop)
            if found is None:
                found = self._loops[loop] = _LoopConnections(self._keep)
            return found

    async def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of ``sql``, its parameters numbered (``$1``) in the order of ``params``. A connection
        that failed, or whose read was cancelled half way, is closed, not given back."""
        pool = self._connections()
        async with pool.slots:
            conn = pool.idle.pop() if pool.idle else None
            if conn is None:
                conn = await PreparedReader.connect(*self._args, **self._kwargs)
            try:
                rows = await conn.rows(sql, params)
            except BaseException:
                _finish(conn)
                raise
            if self._closed:
                _finish(conn)
            else:
                pool.idle.append(conn)
            return rows

    async def close_loop(self) -> None:
        """Close the running loop's idle connections (its app stops)."""
        with self._lock:
            pool = self._loops.pop(asyncio.get_running_loop(), None)
        for conn in pool.idle if pool else ():
            with suppress(Exception):  # already gone with its server
                await conn.close()

    def close(self) -> None:
        """Close every loop's idle connections, from any thread (the database handle is disposed); one
        in use is closed when it comes back."""
        with self._lock:
            self._closed = True
            pools = list(self._loops.values())
            self._loops.clear()
        for pool in pools:
            for conn in pool.idle:
                with suppress(Exception):
                    conn.finish_from_anywhere()


def _finish(conn: PreparedReader) -> None:
    with suppress(Exception):  # already gone with its server
        conn.finish()
