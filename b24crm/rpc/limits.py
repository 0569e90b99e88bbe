"""Request limits as the cloud applies them (spec platform.md §5), off unless a plan is chosen.

- The leaky bucket, per portal and source address: every HTTP request adds one (a ``batch`` once), the
  bucket drains ``drain`` a second, and a request that would take it past ``burst`` is answered
  503 ``QUERY_LIMIT_EXCEEDED``. Standard plans 2/50, enterprise 5/250.
- Operating time, per method and credential: the processing time of the calls in ten one-minute buckets,
  each living ten minutes from its first call. Checked before each call (each command of a batch against
  its own method): once the total reached the limit, 429 ``OPERATION_TIME_LIMIT``; the call that crosses
  it completes.

The state lives in the database (``store/limits.py``), so that every server process sees one bucket and
one account. A portal's plan is read once per resolved credential and kept on that credential object: a
change of plan bumps the portal's credential generation (migration 0015), which makes every process resolve
the credential anew, so the kept plan never outlives the row it came from. With limits off everywhere, a
call costs one dictionary look-up on the credential.

A request's bookkeeping is one write before it (the bucket, with the operating time of its method read in
the same transaction) and one after (the seconds of every method it ran, a batch's commands together);
the commands of a batch meet their method's account as read once, plus what the batch itself has run.
Both run on the event loop while they stay short, as bounded methods do, else in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from b24crm import errors
from b24crm.store import limits as store
from b24crm.store.engine import OverBudget

PLANS: dict[str, tuple[float, int]] = {"standard": (2.0, 50), "enterprise": (5.0, 250)}
WINDOW = 600.0
BUCKET = 60.0
_KEPT = "b24crm_limits"  # the key of the policy kept in a credential's __dict__
_UNSET = object()
INLINE_BUDGET = 0.003
# Each process sweeps a portal's empty buckets at most this often (by its clock), remembering the time of
# at most SWEPT_KEPT portals: forgetting one costs only an early sweep.
SWEEP_EVERY = 60.0
SWEPT_KEPT = 4096
T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    plan: str
    drain: float  # requests a second, already scaled
    burst: int
    operating_limit: float
    window: float  # seconds, scaled
    bucket: float


class Pending:
    """One request's operating-time bookkeeping: what each method had used before it, what it added."""

    __slots__ = ("added", "credential", "done", "limits", "policy", "used")

    def __init__(self, limits: Limits, policy: Policy, credential: Any) -> None:
        self.limits = limits
        self.policy = policy
        self.credential = credential
        self.used: dict[str, tuple[float, float | None]] = {}  # method -> (seconds, oldest bucket's opening)
        self.added: dict[str, list[float]] = {}  # method -> [first call's start, seconds]
        self.done = False

    def total(self, method: str) -> float:
        added = self.added.get(method)
        return self.used[method][0] + (added[1] if added else 0.0)

    def add(self, method: str, at: float, seconds: float) -> tuple[float, int]:
        """Count a call; answers the time block's (operating, operating_reset_at)."""
        added = self.added.get(method)
        if added is None:
            self.added[method] = [at, seconds]
        else:
            added[1] += seconds
        oldest = self.used[method][1]
        return self.total(method), int((at if oldest is None else oldest) + self.policy.window)

    async def check(self, method: str) -> None:
        await self.limits.check(self, method)

    async def flush(self) -> None:
        await self.limits.flush(self)


_pending: ContextVar[Pending | None] = ContextVar("b24crm_limits_pending", default=None)


def current_pending(credential: Any) -> Pending | None:
    """The bookkeeping of the request this call belongs to, when limits apply to it."""
    pending = _pending.get()
    if pending is None or pending.done or pending.credential is not credential:
        return None
    return pending


class Limits:
    def __init__(self, db: Any, clock: Any, settings: Any) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self._swept: dict[int, float] = {}  # portal -> when this process last swept its buckets

    def _sweep_due(self, portal_id: int, now: float) -> bool:
        last = self._swept.get(portal_id)
        if last is not None and 0 <= now - last < SWEEP_EVERY:
            return False
        if len(self._swept) >= SWEPT_KEPT:
            self._swept.clear()
        self._swept[portal_id] = now
        return True

    # --- the policy of a call -------------------------------------------------------------------------

    def policy_for(self, row: dict[str, Any] | None) -> Policy | None:
        """The policy a portal's plan row (or the server's setting, without one) gives; None when off."""
        s = self.settings
        plan = row["plan"] if row is not None else s.limits
        if plan not in PLANS:
            return None
        drain, burst = PLANS[plan]
        drain = (row or {}).get("drain") or s.limits_drain or drain
        burst = (row or {}).get("burst") or s.limits_burst or burst
        limit = (row or {}).get("operating_limit") or s.operating_limit
        scale = s.limits_time_scale if s.limits_time_scale > 0 else 1.0
        return Policy(plan, drain * scale, int(burst), float(limit), WINDOW / scale, BUCKET / scale)

    def read_policy(self, portal_id: int) -> Policy | None:
        with self.db.read() as conn:
            return self.policy_for(store.plan_of(conn, portal_id))

    @staticmethod
    def may_apply(credential: Any) -> bool:
        """False only when this credential's portal is known to have no limits: the test every call makes."""
        return credential.__dict__.get(_KEPT, _UNSET) is not None

    async def policy(self, credential: Any) -> Policy | None:
        kept = credential.__dict__.get(_KEPT, _UNSET)
        if kept is _UNSET:
            # Read after the credential was resolved, so at least as new as what it reflects.
            kept = await run_in_threadpool(self.read_policy, credential.portal.id)
            credential.__dict__[_KEPT] = kept
        return kept  # type: ignore[no-any-return]

    async def _run(self, work: Callable[[], T]) -> T:
        """``work`` (a short transaction) on the event loop while it stays within the budget, else in a
        thread, as the dispatcher runs bounded methods."""
        if self.db.can_inline:
            try:
                with self.db.inline(INLINE_BUDGET):
                    return work()
            except OverBudget:
                pass
        return await run_in_threadpool(work)

    # --- before a request: the bucket, and the operating time of its method ------------------------

    async def admit(self, credential: Any, source: str, method: str) -> None:
        """Count one HTTP request (QUERY_LIMIT_EXCEEDED when the bucket is full) and read the operating
        time of ``method`` (a lower-case method name) in the same transaction."""
        policy = await self.policy(credential)
        if policy is None:
            return
        pending = Pending(self, policy, credential)
        portal_id, now = credential.portal.id, self.clock.now()
        sweep = self._sweep_due(portal_id, now)

        def work() -> tuple[bool, tuple[float, float | None]]:
            with self.db.write() as conn:
                if sweep:
                    store.sweep(conn, portal_id, now, policy.drain, policy.window)
                admitted, _ = store.take(conn, portal_id, source, now, policy.drain, policy.burst)
                used = store.operating_used(conn, portal_id, credential.key, method, now - policy.window)
            return admitted, used

        admitted, pending.used[method] = await self._run(work)
        if not admitted:
            raise errors.QUERY_LIMIT_EXCEEDED()
        _pending.set(pending)

    # --- each call: the operating-time check, and the count after it ------------------------------

    async def check(self, pending: Pending, method: str) -> None:
        """OPERATION_TIME_LIMIT once the method's time reached the limit (the call that crosses it ran)."""
        if method not in pending.used:
            policy, credential, now = pending.policy, pending.credential, self.clock.now()

            def work() -> tuple[float, float | None]:
                with self.db.read() as conn:
                    return store.operating_used(
                        conn, credential.portal.id, credential.key, method, now - policy.window
                    )

            pending.used[method] = await self._run(work)
        if pending.total(method) >= pending.policy.operating_limit:
            raise errors.OPERATION_TIME_LIMIT()

    async def flush(self, pending: Pending) -> None:
        """Write what the request's calls used, in one transaction."""
        pending.done = True
        if not pending.added:
            return
        policy, credential = pending.policy, pending.credential

        def work() -> None:
            with self.db.write() as conn:
                for method, (at, seconds) in pending.added.items():
                    store.operating_add(
                        conn,
                        credential.portal.id,
                        credential.key,
                        method,
                        int(at // policy.bucket),
                        at,
                        seconds,
                        at - policy.window,
                    )

        await self._run(work)

    # --- what the admin API and the CLI show --------------------------------------------------------
    def state(self, portal_id: int) -> dict[str, Any]:
        now = self.clock.now()
        with self.db.read() as conn:
            row = store.plan_of(conn, portal_id)
            policy = self.policy_for(row)
            window = policy.window if policy is not None else WINDOW
            buckets = store.buckets(conn, portal_id)
            operating = store.operating_of_portal(conn, portal_id, now - window)
        for bucket in buckets:
            drained = bucket["level"] - (now - bucket["at"]) * (policy.drain if policy else 0.0)
            bucket["level_now"] = max(0.0, drained)
        for account in operating:
            account["reset_at"] = int(account.pop("oldest") + window)
        return {
            "plan": row,
            "effective": None if policy is None else policy.__dict__,
            "buckets": buckets,
            "operating": operating,
        }
