"""The server's lifespan: settling the heap at start, firing todo reminders whose time has come, purging
dead OAuth tokens, and sending events to their handlers."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from b24crm.crm.activity import pings
from b24crm.events.delivery import DeliveryWorker

log = logging.getLogger("b24crm")

REMINDER_TICK = 5.0  # seconds between looks for todo reminders whose time has come
TOKEN_PURGE_EVERY = 720  # reminder ticks between purges of dead OAuth tokens (an hour)


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
    tasks = [asyncio.create_task(tick())]
    if runtime.settings.event_delivery:
        tasks.append(asyncio.create_task(DeliveryWorker(runtime).run_forever()))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
