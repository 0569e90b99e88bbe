"""Dispatch one call: find the method, check the scope, validate, run, account for its time.

Used for top-level calls and for every command inside ``batch``, so a method behaves the same in both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio.to_thread
from starlette.concurrency import run_in_threadpool

from b24crm import errors
from b24crm.auth.models import Credential
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.limits import current_pending
from b24crm.rpc.registry import MethodSpec
from b24crm.store.engine import OverBudget

if TYPE_CHECKING:
    from b24crm.auth.caller import Services
    from b24crm.rpc.operating import OperatingMeter
    from b24crm.rpc.registry import Registry

log = logging.getLogger("b24crm.rpc")

# How long a bounded method's storage work may hold the event loop before it moves to a thread: a
# get, an add or a remembered list page takes a tenth of this; a scan does not hold everyone else.
INLINE_BUDGET = 0.003


# The threads bounded methods' storage work runs in (on PostgreSQL; on SQLite work over its inline budget or
# of a large input): at most this many at once, the others waiting their turn. Such a thread holds the
# interpreter for most of its time (decoding and rendering a page's rows), so more of them only take turns
# at it: a list page's p99 under 32 connections was 181 ms with the default pool's 40 threads, 85 ms with 6,
# and 11 % more pages a second (bench/README.md, "Runs N"). Other work keeps the default pool: a write may
# wait for a lock, and would hold a slot meanwhile.
_BOUNDED_THREADS = anyio.CapacityLimiter(6)


async def in_bounded_thread(handler: Callable[[Any, Any], Any], ctx: CallContext, parsed: Any) -> Any:
    """``handler(ctx, parsed)`` in one of the threads of bounded work."""
    return await anyio.to_thread.run_sync(handler, ctx, parsed, limiter=_BOUNDED_THREADS)


class Outcome(NamedTuple):  # a tuple: the cheapest record to make once a call
    result: Any
    total: int | None
    next: int | None
    start: float
    finish: float
    processing: float
    spec: MethodSpec
    # (seconds, reset at) from the shared limits' state when they apply; else the meter of this process.
    operating: tuple[float, int] | None = None


class Dispatcher:
    def __init__(self, registry: Registry, services: Services, operating: OperatingMeter) -> None:
        self.registry = registry
        self.services = services
        self.operating = operating

    def lookup(self, name: str, credential: Credential, *, in_batch: bool = False) -> MethodSpec:
        spec = self.registry.get(name)
        if spec is None:
            raise errors.ERROR_METHOD_NOT_FOUND()
        if in_batch and not spec.batchable:
            raise errors.ERROR_BATCH_METHOD_NOT_ALLOWED()
        if not spec.allowed_for(credential.scopes):
            # Inside batch the vendor's batch item throws the bare code: an empty description.
            denied = errors.INSUFFICIENT_SCOPE if credential.app is None else errors.INSUFFICIENT_SCOPE_TOKEN
            raise denied("") if in_batch else denied()
        return spec

    async def invoke(
        self,
        credential: Credential,
        name: str,
        params: dict[str, Any],
        *,
        https: bool = False,
        in_batch: bool = False,
        heavy: bool = False,
    ) -> Outcome:
        """Run one call. ``heavy``: its input was large (a big upload, thousands of filter values), so
        its work goes to the thread pool from the start."""
        spec = self.lookup(name, credential, in_batch=in_batch)
        # The request's limits bookkeeping when they apply to it (rpc/limits.py): a context variable's read.
        pending = current_pending(credential)
        if pending is not None and spec.metered:
            await pending.check(spec.key)
        clock = self.services.clock
        start = clock.now()
        began = time.perf_counter()
        parsed = spec.parse(params)
        connector = params.get("auth_connector")
        ctx = CallContext(
            self,
            self.services,
            credential,
            spec.name,
            # Trimmed and cut to the vendor's CONNECTOR_ID column, once for every method that uses it.
            connector=connector.strip()[:255] if isinstance(connector, str) and credential.app else "",
            https=https,
            in_batch=in_batch,
        )
        try:
            result = await self._run(spec, ctx, parsed, heavy)
        except Exception:
            # A call that fails spent its time too: it counts against the method's operating time.
            await self._charge(pending, credential, spec, start, time.perf_counter() - began, in_batch)
            raise
        processing = time.perf_counter() - began
        finish = clock.now()
        operating = await self._charge(pending, credential, spec, start, processing, in_batch)
        if isinstance(result, Page):
            return Outcome(
                result.items, result.total, result.next, start, finish, processing, spec, operating
            )
        return Outcome(result, None, None, start, finish, processing, spec, operating)

    async def _run(self, spec: MethodSpec, ctx: CallContext, parsed: Any, heavy: bool) -> Any:
        if spec.first is not None:
            found = await spec.first(ctx, parsed)
            if found is not None:
                return found
        if spec.is_async:
            return await spec.handler(ctx, parsed)
        if spec.blocking:
            return await run_in_threadpool(spec.handler, ctx, parsed)
        if spec.bounded and (heavy or not self.services.db.can_inline):
            return await in_bounded_thread(spec.handler, ctx, parsed)
        if spec.bounded:
            try:
                with self.services.db.inline(INLINE_BUDGET):
                    return spec.handler(ctx, parsed)
            except OverBudget:
                return await in_bounded_thread(spec.handler, ctx, parsed)
        return spec.handler(ctx, parsed)

    async def _charge(
        self,
        pending: Any,
        credential: Credential,
        spec: MethodSpec,
        start: float,
        processing: float,
        in_batch: bool,
    ) -> Any:
        """Account the call's time: to the limits' shared state when they apply (written with the
        request's last call, a batch's commands together), else to this process's meter."""
        operating = None
        if pending is not None:
            if spec.metered:
                operating = pending.add(spec.key, start, processing)
            if not in_batch:
                await pending.flush()
        elif spec.metered:
            self.operating.record(credential.key, spec.key, start, processing)
        return operating
