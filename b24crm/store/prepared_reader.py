"""One PostgreSQL connection reading on its event loop by prepared statements, at the client library's level.

crm.activity.get's key read is the hot path of this server. Through the driver's asynchronous cursor it
cost about 100 µs of this process's time (a cursor, its adapters and the query's conversion made afresh
each time, and the socket watched and unwatched at every wait: seven system calls with uvloop), through
libpq's own calls about 40 µs (bench/README.md, "Runs O"). So here a statement is prepared once per
connection, each read is libpq's send, flush and result, the values are loaded by the driver's own
loaders, and the socket stays watched by the loop from one read to the next.

A socket that turns readable while nobody reads (the server closed the connection) is no longer watched:
the next read watches it again, and meets the end of the stream then, as an ``OperationalError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer

_FAILED = (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.BAD_RESPONSE, pq.ExecStatus.NONFATAL_ERROR)


class PreparedReader:
    """An autocommit connection used on one event loop only (``loop_reads.LoopReads``)."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._pg = conn.pgconn
        self._loop = loop
        self._encoding = conn.info.encoding
        self._transformer = Transformer(conn)
        # Statement text -> its name here; the texts are the program's own few (``sql.RawSelect``).
        self._prepared: dict[str, bytes] = {}
        self._watched = -1  # the socket the loop watches (-1: none)
        self._waiter: asyncio.Future[None] | None = None

    @classmethod
    async def connect(cls, *args: Any, **kwargs: Any) -> PreparedReader:
        conn = await psycopg.AsyncConnection.connect(*args, **{**kwargs, "autocommit": True})
        return cls(conn, asyncio.get_running_loop())

    async def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of ``sql``, whose parameters are numbered (``$1``) in the order of ``params``."""
        name = self._prepared.get(sql)
        if name is None:
            name = f"b24crm_{len(self._prepared)}".encode()
            await self._exchange(lambda: self._pg.send_prepare(name, sql.encode(self._encoding)))
            self._prepared[sql] = name
        values = self._transformer.dump_sequence(params, [PyFormat.TEXT] * len(params))
        result = await self._exchange(lambda: self._pg.send_query_prepared(name, values))
        self._transformer.set_pgresult(result)
        return self._transformer.load_rows(0, result.ntuples, tuple)

    async def _exchange(self, send: Callable[[], None]) -> pq.abc.PGresult:
        """Send one command and wait for its one result, raised when it is an error."""
        send()
        while self._pg.flush():  # the command did not fit in the socket's buffer (never for a key read)
            await self._ready(writing=True)
        last: pq.abc.PGresult | None = None
        while True:
            self._pg.consume_input()
            while not self._pg.is_busy():
                result = self._pg.get_result()
                if result is None:
                    assert last is not None
                    if last.status in _FAILED:
                        raise psycopg.errors.error_from_result(last, encoding=self._encoding)
                    return last
                last = result
            await self._ready()

    async def _ready(self, *, writing: bool = False) -> None:
        fd = self._pg.socket
        if writing:
            self._unwatch()
            self._waiter = self._loop.create_future()
            self._loop.add_writer(fd, self._wake)
            try:
                await self._waiter
            finally:
                self._waiter = None
                self._loop.remove_writer(fd)
            return
        if self._watched != fd:
            self._unwatch()
            self._loop.add_reader(fd, self._wake)
            self._watched = fd
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is None:  # readable between reads: the end of the stream, most likely
            self._unwatch()
        elif not self._waiter.done():
            self._waiter.set_result(None)

    def _watching(self) -> bool:
        return self._watched >= 0

    def _unwatch(self) -> None:
        if self._watched >= 0:
            fd, self._watched = self._watched, -1
            if not self._loop.is_closed():
                self._loop.remove_reader(fd)

    def finish(self) -> None:
        """Close at once, on the connection's loop (its watch is the loop's to stop): no await is made."""
        self._unwatch()
        self._pg.finish()

    def finish_from_anywhere(self) -> None:
        """``finish`` from any thread: on the connection's loop when that loop runs in another thread."""
        if self._loop.is_running() and not _runs_here(self._loop):
            try:
                self._loop.call_soon_threadsafe(self.finish)
                return
            except RuntimeError:  # the loop closed meanwhile: nothing watches any more
                pass
        self.finish()

    async def close(self) -> None:
        self._unwatch()
        await self._conn.close()


def _runs_here(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
