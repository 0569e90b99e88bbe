"""The admin namespace's workbench endpoints: the request log, the limits, the faults, and the health an
orchestrator asks for. Handlers take (runtime, path, body) like those of ``routes.py``, which wraps and
routes them."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from b24crm import __version__, errors
from b24crm.events.faults import rule_values as event_rule_values
from b24crm.rpc.faults import rule_values
from b24crm.rpc.journal import SERVER
from b24crm.rpc.limits import PLANS
from b24crm.runtime import Runtime
from b24crm.store import faults as faults_store
from b24crm.store import limits as limits_store
from b24crm.store import tenancy
from b24crm.store.filters import to_int

NO_PORTAL = errors.ErrorSpec("NOT_FOUND", "Portal not found", 404)
NO_FAULT = errors.ErrorSpec("NOT_FOUND", "Fault rule not found", 404)
PLAN_NAMES = ("off", *PLANS)


def _portal_id(path: dict[str, Any]) -> int:
    try:
        return to_int(path["portal_id"])
    except ValueError:
        raise NO_PORTAL() from None


def _after(path: dict[str, Any]) -> int:
    try:
        return to_int(path.get("after") or 0)
    except ValueError:
        raise ValueError("after must be an integer") from None


def requests(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's last REST calls (without a portal: the calls whose credentials named none), oldest
    first, with their parameters and answers, secrets masked."""
    journal = runtime.workbench.journal
    portal_id = _portal_id(path) if "portal_id" in path else SERVER
    return 200, [] if journal is None else journal.calls(portal_id, after=_after(path))


def limits(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's plan, the policy in force and the limits' state: buckets and operating time."""
    portal_id = _known_portal(runtime, path)
    return 200, runtime.workbench.limits.state(portal_id)


def set_limits(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's own plan: ``{"plan": "standard"|"enterprise"|"off", "drain", "burst",
    "operating_limit"}`` (figures optional); every server process applies it from its next call."""
    portal_id = _known_portal(runtime, path)
    values = plan_values(body)
    with runtime.db.write() as conn:
        limits_store.set_plan(conn, portal_id, values)
    forget_credentials(runtime)
    return 200, runtime.workbench.limits.state(portal_id)


def clear_limits(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """Back to the server's setting (``B24CRM_LIMITS``)."""
    portal_id = _known_portal(runtime, path)
    with runtime.db.write() as conn:
        limits_store.clear_plan(conn, portal_id)
    forget_credentials(runtime)
    return 200, runtime.workbench.limits.state(portal_id)


def plan_values(body: dict[str, Any]) -> dict[str, Any]:
    plan = body.get("plan")
    if plan not in PLAN_NAMES:
        raise ValueError(f"plan must be one of {', '.join(PLAN_NAMES)}")
    values: dict[str, Any] = {"plan": plan}
    for name, kind in (("drain", float), ("burst", int), ("operating_limit", float)):
        value = body.get(name)
        if value is None:
            values[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
            raise ValueError(f"{name} must be a positive number")
        values[name] = kind(value)
    return values


MAX_FAULT_RULES = 100


def faults(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's fault rules, REST calls' (``target`` "rest") and event deliveries' ("event"), with how
    many calls or deliveries each matched (``seen``) and failed (``fired``)."""
    portal_id = _known_portal(runtime, path)
    with runtime.db.read() as conn:
        return 200, all_rules(conn, portal_id)


def all_rules(conn: Any, portal_id: int) -> list[dict[str, Any]]:
    rules = [
        {**rule, "target": target}
        for target in faults_store.TABLES
        for rule in faults_store.list_rules(conn, portal_id, target)
    ]
    return sorted(rules, key=lambda r: r["id"])


def fault_values(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A rule's kind and columns: an event rule when ``target`` is "event" or it names an ``event`` or a
    ``handler`` pattern (events/faults.py), else a REST rule (rpc/faults.py)."""
    target = body.get("target") or ("event" if body.get("event") or body.get("handler") else "rest")
    if target == faults_store.EVENT:
        return target, event_rule_values(body)
    if target != faults_store.REST:
        raise ValueError("target must be rest or event")
    return target, rule_values(body)


def add_fault(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """A rule for REST calls: ``{"effect", "method", "credential", "form", "latency_ms", "times",
    "probability", "seed"}`` (rpc/faults.py); for event deliveries: ``{"target": "event", "effect":
    "delay"|"drop", "event", "handler", "delay_ms", "times", "probability", "seed"}`` (events/faults.py).
    Every server process applies it from its next call or delivery."""
    portal_id = _known_portal(runtime, path)
    target, values = fault_values(body)
    with runtime.db.write() as conn:
        # Every call or delivery of the portal is matched against its rules: their number is bounded.
        if len(faults_store.list_rules(conn, portal_id, target)) >= MAX_FAULT_RULES:
            raise ValueError(f"a portal holds up to {MAX_FAULT_RULES} fault rules of each target")
        rule_id = faults_store.add_rule(conn, portal_id, values, target)
    forget_credentials(runtime)
    return 201, {"id": rule_id, "target": target, **values}


def delete_faults(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """Remove one rule (``/faults/{fault_id}``) or all of the portal's."""
    portal_id = _known_portal(runtime, path)
    try:
        rule_id = to_int(path["fault_id"]) if "fault_id" in path else None
    except ValueError:  # past the column's range: no such rule either
        raise NO_FAULT() from None
    with runtime.db.write() as conn:
        removed = faults_store.delete_rules(conn, portal_id, rule_id)
    forget_credentials(runtime)
    if rule_id is not None and not removed:
        raise NO_FAULT()
    return 200, {"removed": removed}


def forget_credentials(runtime: Runtime) -> None:
    """This process's resolved credentials go at once with the rules and plans kept on them; the other
    processes' go when their credential watch hears of the generation the change bumped."""
    runtime.tenancy.invalidate()  # and, through its listener, the OAuth server's tokens


def _known_portal(runtime: Runtime, path: dict[str, Any]) -> int:
    portal_id = _portal_id(path)
    with runtime.db.read() as conn:
        if tenancy.portal_by_id(conn, portal_id) is None:
            raise NO_PORTAL()
    return portal_id


_STARTED = time.time()


async def health(request: Request) -> Response:
    """Unauthenticated, for orchestrators: 200 while the database answers, 503 otherwise. Says nothing
    about portals or credentials."""
    runtime: Runtime = request.app.state.runtime
    try:
        await run_in_threadpool(_ping, runtime)
        database = "ok"
    except Exception as exc:  # whatever the driver raises: the answer is that the database is not there
        database = f"unavailable ({exc.__class__.__name__})"
    status = 200 if database == "ok" else 503
    body = {
        "status": "ok" if status == 200 else "unavailable",
        "version": __version__,
        "database": database,
        "uptime": round(time.time() - _STARTED, 1),
    }
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})


def _ping(runtime: Runtime) -> None:
    with runtime.db.read() as conn:
        conn.execute(sa.text("SELECT 1"))
