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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from b24crm import errors
from b24crm.store import limits as store

PLANS: dict[str, tuple[float, int]] = {"standard": (2.0, 50), "enterprise": (5.0, 250)}
WINDOW = 600.0
BUCKET = 60.0
_KEPT = "b24crm_limits"  # the key of the policy kept in a credential's __dict__
_UNSET = object()


@dataclass(frozen=True)
class Policy:
    plan: str
    drain: float  # requests a second, already scaled
    burst: int
    operating_limit: float
    window: float  # seconds, scaled
    bucket: float


class Limits:
    def __init__(self, db: Any, clock: Any, settings: Any) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

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

    async def policy(self, credential: Any) -> Policy | None:
        kept = credential.__dict__.get(_KEPT, _UNSET)
        if kept is _UNSET:
            # Read after the credential was resolved, so at least as new as what it reflects.
            kept = await run_in_threadpool(self.read_policy, credential.portal.id)
            credential.__dict__[_KEPT] = kept
        return kept  # type: ignore[no-any-return]

    @staticmethod
    def kept(credential: Any) -> Policy | None:
        """The policy ``policy`` found for this credential earlier in the call (None: off or not looked)."""
        return credential.__dict__.get(_KEPT)  # type: ignore[no-any-return]

    # --- the leaky bucket ---------------------------------------------------------------------------

    async def admit(self, credential: Any, source: str) -> None:
        """Count one HTTP request; QUERY_LIMIT_EXCEEDED when the bucket is full."""
        policy = await self.policy(credential)
        if policy is None:
            return
        admitted = await run_in_threadpool(self._take, credential.portal.id, source, policy)
        if not admitted:
            raise errors.QUERY_LIMIT_EXCEEDED()

    def _take(self, portal_id: int, source: str, policy: Policy) -> bool:
        with self.db.write() as conn:
            admitted, _level = store.take(
                conn, portal_id, source, self.clock.now(), policy.drain, policy.burst
            )
        return admitted

    # --- operating time -----------------------------------------------------------------------------

    async def check_operating(
        self, policy: Policy, credential: Any, method: str
    ) -> tuple[float, float | None]:
        """(seconds used, the oldest bucket's opening) before a call; OPERATION_TIME_LIMIT past the limit."""
        used = await run_in_threadpool(self.used, policy, credential, method, self.clock.now())
        if used[0] >= policy.operating_limit:
            raise errors.OPERATION_TIME_LIMIT()
        return used

    def used(self, policy: Policy, credential: Any, method: str, now: float) -> tuple[float, float | None]:
        with self.db.read() as conn:
            return store.operating_used(
                conn, credential.portal.id, credential.key, method, now - policy.window
            )

    async def record_operating(
        self, policy: Policy, credential: Any, method: str, at: float, seconds: float
    ) -> None:
        await run_in_threadpool(self._record, policy, credential, method, at, seconds)

    def _record(self, policy: Policy, credential: Any, method: str, at: float, seconds: float) -> None:
        with self.db.write() as conn:
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
