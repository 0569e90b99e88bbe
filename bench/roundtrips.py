"""What psycopg's server-side prepared statements and pipeline mode give on the statements of b24crm's hot
paths, on one connection, one call after another (the latency a request pays, not a throughput):

- get: the stored-answer read by key (crm.activity.get's one statement), with ``prepare_threshold`` None
  (never prepared), 5 (psycopg's default: from a statement's sixth run on a connection) and 0 (always);
- add: a transaction of one INSERT answering its row and five without an answer (the shape of
  crm.activity.add's), each statement waiting for its answer, and the same in pipeline mode, where the
  statements without an answer are sent without waiting and the transaction waits once before COMMIT;
- get on the event loop (uvloop), 16 tasks over 8 connections as a server's requests would: through the
  driver's asynchronous cursor, and through ``PreparedReader`` (libpq's calls, the statement prepared
  once, the socket watched between reads), as the process's CPU time per read: what the server pays.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import uvloop

from b24crm.store.prepared_reader import PreparedReader

GET = "SELECT form, body FROM crm_activity_answers WHERE portal_id = %s AND activity_id = %s"
INSERT_RETURNING = (
    "INSERT INTO crm_activity_bindings (portal_id, activity_id, owner_type_id, owner_id, position) "
    "VALUES (%s, %s, 2, %s, 0) RETURNING activity_id"
)
INSERT = (
    "INSERT INTO crm_activity_bindings (portal_id, activity_id, owner_type_id, owner_id, position) "
    "VALUES (%s, %s, 2, %s, %s)"
)


def _per_call_us(run: Callable[[int], None], count: int) -> float:
    """The median of five rounds of ``count`` calls, in microseconds per call."""
    rounds = []
    for r in range(5):
        started = time.perf_counter()
        for n in range(count):
            run(r * count + n)
        rounds.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(rounds)


def measure(dsn: str, portal_id: int, count: int = 1000) -> dict[str, float]:
    """Microseconds per call of each variant, on a database migrated by b24crm."""
    figures: dict[str, float] = {}
    for label, threshold in (("never", None), ("default (5)", 5), ("always (0)", 0)):
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=threshold) as conn:
            cursor = conn.cursor()
            figures[f"get, prepared {label}"] = _per_call_us(
                lambda n, c=cursor: c.execute(GET, (portal_id, n % 1000 + 1)).fetchall(), count
            )
    base = 10_000_000

    def add(conn: psycopg.Connection, n: int, pipelined: bool) -> None:
        activity = base + n
        with conn.transaction():
            cursor = conn.cursor()
            if pipelined:
                with conn.pipeline():
                    cursor.execute(INSERT_RETURNING, (portal_id, activity, 1))
                    cursor.fetchone()  # the one answer the transaction needs waits for its result
                    for position in range(1, 6):
                        cursor.execute(INSERT, (portal_id, activity, position + 1, position))
            else:
                cursor.execute(INSERT_RETURNING, (portal_id, activity, 1))
                cursor.fetchone()
                for position in range(1, 6):
                    cursor.execute(INSERT, (portal_id, activity, position + 1, position))

    with psycopg.connect(dsn) as conn:
        figures["add transaction, statement by statement"] = _per_call_us(
            lambda n: add(conn, n, False), count
        )
        base += 10 * count
        figures["add transaction, pipeline mode"] = _per_call_us(lambda n: add(conn, n, True), count)
        with conn.transaction():
            conn.execute("DELETE FROM crm_activity_bindings WHERE portal_id = %s", (portal_id,))
    return figures


GET_NUMBERED = "SELECT form, body FROM crm_activity_answers WHERE portal_id = $1 AND activity_id = $2"


def loop_reads(dsn: str, portal_id: int, reads: int = 20_000) -> dict[str, float]:
    """The process's CPU microseconds per get read on the event loop, each way (the median of three)."""

    async def cursor_read(conn: Any, activity: int) -> Any:
        cursor = conn.cursor()
        await cursor.execute(GET, (portal_id, activity))
        return await cursor.fetchall()

    async def prepared_read(conn: Any, activity: int) -> Any:
        return await conn.rows(GET_NUMBERED, [portal_id, activity])

    async def driver() -> Any:
        return await psycopg.AsyncConnection.connect(dsn, autocommit=True)

    async def prepared() -> Any:
        return await PreparedReader.connect(dsn)

    figures: dict[str, float] = {}
    for label, connect, read in (
        ("get on the loop, the driver's asynchronous cursor", driver, cursor_read),
        ("get on the loop, PreparedReader (libpq's calls)", prepared, prepared_read),
    ):
        figures[f"{label} (CPU)"] = statistics.median(
            uvloop.run(_cpu_per_read(connect, read, reads)) for _ in range(3)
        )
    return figures


async def _cpu_per_read(
    connect: Callable[[], Awaitable[Any]], read: Callable[[Any, int], Awaitable[Any]], reads: int
) -> float:
    idle = [await connect() for _ in range(8)]
    slots = asyncio.Semaphore(8)

    async def task(count: int) -> None:
        for _ in range(count):
            async with slots:
                conn = idle.pop()
                try:
                    assert await read(conn, random.randint(1, 1000))
                finally:
                    idle.append(conn)

    started = time.process_time()
    await asyncio.gather(*(task(reads // 16) for _ in range(16)))
    spent = time.process_time() - started
    for conn in idle:
        await conn.close()
    return spent / reads * 1e6
