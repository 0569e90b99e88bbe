"""The server's lifespan: settling the heap at start, firing todo reminders whose time has come, purging
dead OAuth tokens and events past their retention, and sending events to their handlers."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from b24crm.crm.activity import pings
from b24crm.events.delivery import DeliveryWorker
from b24crm.store import deliveries

log = logging.getLogger("b24crm")

SWITCH_INTERVAL = 0.0005  # seconds; see lifespan
REMINDER_TICK = 5.0  # seconds between looks for todo reminders whose time has come
TOKEN_PURGE_EVERY = 720  # reminder ticks between purges of dead OAuth tokens (an hour)
EVENT_PURGE_EVERY = 300.0  # seconds between purges of events past their retention
# Events purged per transaction, and the pause between two: each batch holds the database (SQLite's one
# writer) for milliseconds, and requests get in between.
EVENT_PURGE_BATCH = 500
EVENT_PURGE_PAUSE = 0.1


def purge_events(runtime: Any, portal_id: int | None = None) -> int:
    """One batch of events older than the retention, with their deliveries and attempts (of every portal
    or of one); answers how many events went. An event whose delivery is pending stays."""
    days = float(runtime.settings.event_retention_days)
    if days <= 0:
        return 0
    before = runtime.clock.now() - days * 86400
    with runtime.db.write() as conn:
        return deliveries.purge_events(conn, before, EVENT_PURGE_BATCH, portal_id)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    runtime = app.state.runtime

    async def tick() -> None:
        ticks = 0
        while True:
            await asyncio.sleep(REMINDER_TICK)
            ticks += 1
            try:
                await run_in_threadpool(pings.fire_due, runtime.db, runtime.clock.now())
                if ticks % TOKEN_PURGE_EVERY == 0:
                    await run_in_threadpool(runtime.oauth.purge, runtime.clock.now())
            except Exception:  # a busy or restarting database: the next tick tries again
                log.exception("background round failed")

    # Everything loaded at start lives as long as the server: moved out of the cyclic collector's
    # generations, a full collection no longer walks it, which took the p99 of list pages from ~100 ms
    # towards their service time (bench/README.md). Young-generation collections are made rarer for the
    # same reason: a 50-row page allocates thousands of short-lived objects.
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 20, 20)
    # Long work runs in threads (large bodies, scans), and a thread in pure Python keeps the interpreter
    # for up to the switch interval before the event loop may run: at the default 5 ms, a call served
    # beside a parse waited 12-50 ms at the median; at 0.5 ms, 4 ms (bench/README.md, "Runs J").
    sys.setswitchinterval(SWITCH_INTERVAL)

    async def purge() -> None:
        while True:
            await asyncio.sleep(EVENT_PURGE_EVERY)
            try:
                while await run_in_threadpool(purge_events, runtime) == EVENT_PURGE_BATCH:
                    await asyncio.sleep(EVENT_PURGE_PAUSE)
            except Exception:  # a busy or restarting database: the next purge goes on
                log.exception("event purge failed")

    tasks = [asyncio.create_task(tick()), asyncio.create_task(purge())]
    if runtime.settings.event_delivery:
        tasks.append(asyncio.create_task(DeliveryWorker(runtime).run_forever()))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await runtime.db.close_loop_reads()
