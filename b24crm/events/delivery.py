"""Sending events to their handlers: the documented form-encoded POST (docs: api-reference/events/index.md)
with ``event``, ``event_handler_id``, ``data[FIELDS][ID]``, ``ts`` and the ``auth`` block.

Deliveries are rows written with the event, so a server stopped between the commit and the send delivers
after it starts again. The vendor makes one attempt and keeps no log; b24crm logs every attempt (status,
latency, the start of the answer) and retries with doubling delays up to ``event_retries`` times (default
0, the vendor's single attempt). A delivery is claimed for ``LEASE`` seconds before it is sent, so two
server processes never send it twice at once, and one that died mid-send is retried after the lease.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import qs_codec

from b24crm.store import deliveries, tenancy

log = logging.getLogger("b24crm.events")

LEASE = 60.0  # seconds a claimed delivery stays with its worker
TIMEOUT = 15.0  # the vendor's queue server waits this long for a handler
BATCH = 50
POLL = 0.025  # seconds between looks for due deliveries when there were none (bounds the latency)
# At most this many deliveries in flight at once: handlers are often small servers with short backlogs.
LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=8)


def auth_block(portal: dict[str, Any], base_url: str, application_token: str) -> dict[str, str]:
    """The ``auth`` of an outgoing webhook's call: no access token, as Bitrix24 sends it without an app."""
    return {
        "domain": portal["domain"],
        "client_endpoint": f"{base_url}/rest/",
        "server_endpoint": f"{base_url}/oauth/",
        "member_id": portal["member_id"],
        "application_token": application_token,
    }


def payload(delivery: dict[str, Any], portal: dict[str, Any], base_url: str, now: float) -> dict[str, Any]:
    return {
        "event": delivery["event"],
        "event_handler_id": delivery["handler_id"],
        "data": delivery["data"],
        "ts": int(now),
        "auth": auth_block(portal, base_url, delivery["application_token"]),
    }


def encode(body: dict[str, Any]) -> str:
    """PHP-style form encoding: ``data[FIELDS][ID]=7&auth[domain]=...``."""
    return qs_codec.encode(body, qs_codec.EncodeOptions(encode_values_only=False))


class DeliveryWorker:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def _retry_delay(self, attempts: int) -> float:
        return float(self.runtime.settings.event_retry_delay) * (2 ** max(attempts - 1, 0))

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Send every due delivery once (up to ``BATCH`` at a time, concurrently); answers how many."""
        db, clock = self.runtime.db, self.runtime.clock
        now = clock.now()
        with db.read() as conn:
            batch = deliveries.due(conn, now, BATCH)
        if not batch:
            return 0
        portals: dict[int, dict[str, Any] | None] = {}
        claimed = []
        with db.write() as conn:  # one transaction claims the whole batch
            for delivery in batch:
                if deliveries.claim(conn, delivery, now + LEASE):
                    if delivery["portal_id"] not in portals:
                        portals[delivery["portal_id"]] = tenancy.portal_by_id(conn, delivery["portal_id"])
                    if portals[delivery["portal_id"]] is not None:
                        claimed.append(delivery)
        outcomes = await asyncio.gather(
            *(self._post(client, d, portals[d["portal_id"]] or {}) for d in claimed)
        )
        with db.write() as conn:  # and one records what happened
            for delivery, outcome in zip(claimed, outcomes, strict=True):
                self._record(conn, delivery, outcome)
        return len(claimed)

    async def _post(
        self, client: httpx.AsyncClient, delivery: dict[str, Any], portal: dict[str, Any]
    ) -> dict[str, Any]:
        started = self.runtime.clock.now()
        body = encode(payload(delivery, portal, self.runtime.settings.base_url, started))
        began = time.perf_counter()
        outcome: dict[str, Any] = {"started": started, "status_code": None, "error": None, "response": None}
        try:
            response = await client.post(
                delivery["url"],
                content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=TIMEOUT,
            )
            outcome.update(status_code=response.status_code, response=response.text[:512])
        except httpx.HTTPError as exc:
            outcome["error"] = f"{exc.__class__.__name__}: {exc}"[:1000]
        outcome["latency_ms"] = (time.perf_counter() - began) * 1000
        return outcome

    def _record(self, conn: Any, delivery: dict[str, Any], outcome: dict[str, Any]) -> None:
        attempts = delivery["attempts"] + 1
        code = outcome["status_code"]
        finished = self.runtime.clock.now()
        if code is not None and 200 <= code < 300:
            result: dict[str, Any] = {"status": deliveries.DELIVERED, "finished": finished}
        elif attempts <= int(self.runtime.settings.event_retries):
            result = {"next_attempt": finished + self._retry_delay(attempts)}
        else:
            result = {"status": deliveries.FAILED, "finished": finished}
        deliveries.record_attempt(
            conn, delivery["portal_id"], {"delivery_id": delivery["id"], "attempt": attempts, **outcome}
        )
        deliveries.finish(conn, delivery["portal_id"], delivery["id"], {"attempts": attempts, **result})

    async def run_forever(self) -> None:
        async with httpx.AsyncClient(limits=LIMITS) as client:
            while True:
                try:
                    tried = await self.run_once(client)
                except Exception:  # a busy or restarting database: the next round tries again
                    log.exception("event delivery round failed")
                    tried = 0
                if not tried:
                    await asyncio.sleep(POLL)


def deliver_due(runtime: Any) -> int:
    """One delivery round from synchronous code (tests, the CLI)."""

    async def once() -> int:
        async with httpx.AsyncClient(limits=LIMITS) as client:
            return await DeliveryWorker(runtime).run_once(client)

    return asyncio.run(once())
