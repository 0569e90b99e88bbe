"""Faults for event deliveries: a portal's rules that make the deliveries of matching events and handlers
late (``delay``: the delivery waits ``delay_ms`` before it is sent) or lost (``drop``: nothing is sent, the
attempt is recorded as failed as if the handler were unreachable, and retried as any failure is).

A rule matches an event name pattern (``ONCRMDEAL*``) and a handler URL pattern (``https://hooks.example/*``)
and fires on every match, on the next ``times`` ones, or with a ``probability`` drawn from ``seed``, as
REST faults do (rpc/faults.py). The worker decides as it claims a delivery, in the claiming transaction:
the rules and their counters are in the database, so every server process applies them alike and at once.
A delay keeps the delivery's slot among its origin's in flight and nobody else's.
"""

from __future__ import annotations

import asyncio
from fnmatch import fnmatchcase
from typing import Any

from b24crm.store import faults as store

EFFECTS = ("delay", "drop")
# A delayed delivery is still sent within its claim's lease (events/delivery.py: at least 60 s, and twice
# the send's own deadline), so no other worker takes it meanwhile.
MAX_DELAY_MS = 30_000
DROPPED = "ConnectError: dropped by fault rule {id} (the handler was not called)"
Seen = dict[int, list[dict[str, Any]]]  # the rules of each portal, read once per claiming round


def rule_values(body: dict[str, Any]) -> dict[str, Any]:
    """An event rule's columns from the admin API's or the CLI's input; ValueError names what is wrong."""
    effect = body.get("effect")
    if effect not in EFFECTS:
        raise ValueError(f"an event rule's effect must be one of {', '.join(EFFECTS)}")
    event, handler = body.get("event") or "*", body.get("handler") or "*"
    if not isinstance(event, str) or not isinstance(handler, str) or "\x00" in event + handler:
        raise ValueError("event and handler are patterns (strings)")
    values: dict[str, Any] = {"effect": effect, "event": event.upper()[:255], "handler": handler[:1024]}
    values.update(store.firing_values(body, "delay_ms", MAX_DELAY_MS))
    if effect == "delay" and not values["delay_ms"]:
        raise ValueError("a delay rule needs delay_ms")
    return values


def decide(conn: Any, delivery: dict[str, Any], seen: Seen) -> dict[str, Any] | None:
    """The rule that fires for a claimed delivery, counted in the claiming transaction ``conn``; None
    when none does (a portal without rules costs one read a round)."""
    portal_id = delivery["portal_id"]
    if portal_id not in seen:
        seen[portal_id] = store.list_rules(conn, portal_id, store.EVENT)
    for rule in seen[portal_id]:
        if not fnmatchcase(str(delivery["event"]).upper(), rule["event"]) or not fnmatchcase(
            str(delivery["url"]), rule["handler"]
        ):
            continue
        if store.fires(conn, portal_id, rule, store.EVENT):
            return {"id": rule["id"], "effect": rule["effect"], "delay_ms": rule["delay_ms"]}
    return None


async def dropped(fault: dict[str, Any], outcome: dict[str, Any], clock: Any) -> bool:
    """Wait a delay rule's time (the attempt then starts, ``outcome`` is restamped); for a drop rule,
    make ``outcome`` the failed attempt of an unreachable handler and answer True."""
    if fault["delay_ms"]:
        await asyncio.sleep(fault["delay_ms"] / 1000)
        outcome["started"] = clock.now()
    if fault["effect"] != "drop":
        return False
    outcome.update(error=DROPPED.format(id=fault["id"]), latency_ms=0.0, left=True)
    return True
