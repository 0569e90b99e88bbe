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
from contextlib import suppress
from typing import Any

import httpx
import qs_codec

from b24crm.apps.models import LOCAL, App
from b24crm.apps.oauth import TokenPair
from b24crm.events.outbox import APP_INSTALL, APP_TEST, APP_UNINSTALL, OFFLINE_EVENT
from b24crm.store import apps, deliveries, tenancy

log = logging.getLogger("b24crm.events")

LEASE = 60.0  # seconds a claimed delivery stays with its worker
TIMEOUT = 15.0  # the vendor's queue server waits this long for a handler
BATCH = 50
# A commit that writes deliveries wakes the worker at once; without one it looks every IDLE seconds, for
# retries come due and for deliveries written by another process (the CLI, a second server).
IDLE = 0.5
# At most this many deliveries in flight at once: handlers are often small servers with short backlogs.
LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=8)


# Events that need long-term access carry the refresh token too (docs: api-reference/events/index.md;
# the vendor's ``sendRefreshToken`` events). CRM events do not.
WITH_REFRESH = frozenset({APP_INSTALL, "ONAPPUPDATE", APP_TEST, OFFLINE_EVENT, "ONSUBSCRIPTIONRENEW"})


def auth_block(portal: dict[str, Any], base_url: str, application_token: str) -> dict[str, Any]:
    """The ``auth`` of an outgoing webhook's call: no access token, as Bitrix24 sends it without an app
    (and as it sends ONAPPUNINSTALL, whose tokens are already revoked)."""
    return {
        "domain": portal["domain"],
        "client_endpoint": f"{base_url}/rest/",
        "server_endpoint": f"{base_url}/rest/",
        "member_id": portal["member_id"],
        "application_token": application_token,
    }


def app_auth_block(
    portal: dict[str, Any], base_url: str, app: App, pair: TokenPair, *, with_refresh: bool
) -> dict[str, Any]:
    """The ``auth`` of an app's event: the acting user's token and the app's (docs: events/index.md)."""
    block: dict[str, Any] = {
        "access_token": pair.access_token,
        "expires": pair.expires,
        "expires_in": 3600,
        "scope": app.scope_text,
        "domain": portal["domain"],
        "server_endpoint": f"{base_url}/rest/",
        "status": LOCAL,
        "client_endpoint": f"{base_url}/rest/",
        "member_id": portal["member_id"],
        "user_id": pair.user_id,
    }
    if with_refresh:
        block["refresh_token"] = pair.refresh_token
    block["application_token"] = app.application_token
    return block


def payload(
    delivery: dict[str, Any],
    portal: dict[str, Any],
    base_url: str,
    now: float,
    auth: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "event": delivery["event"],
        "event_handler_id": delivery["handler_id"],
        "data": delivery["data"],
        "ts": int(now),
        "auth": auth if auth is not None else auth_block(portal, base_url, delivery["application_token"]),
    }


def encode(body: dict[str, Any]) -> str:
    """PHP's ``http_build_query``: ``data[FIELDS][ID]=7&auth[domain]=...``, true as 1 and false as 0."""
    return qs_codec.encode(_php_scalars(body), qs_codec.EncodeOptions(encode_values_only=False))


def _php_scalars(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict):
        return {k: _php_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_php_scalars(v) for v in value]
    return value


class DeliveryWorker:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def _auth_for(
        self,
        conn: Any,
        delivery: dict[str, Any],
        portal: dict[str, Any],
        now: float,
        seen: dict[tuple[int, int], dict[str, Any] | None],
    ) -> Any:
        """The delivery's ``auth``: None for an outgoing webhook (the reduced block is built later).
        ``seen`` keeps the apps already read in this round."""
        app_id = delivery.get("app_id")
        if app_id is None:
            return None
        key = (delivery["portal_id"], app_id)
        if key not in seen:
            seen[key] = apps.app_by_id(conn, *key)
        row = seen[key]
        base_url = self.runtime.settings.base_url
        user_id = delivery.get("user_id")
        if row is None or not row["active"] or delivery["event"] == APP_UNINSTALL or not user_id:
            # No tokens: the app is gone, or nobody acted (a robot, an agent).
            return auth_block(portal, base_url, delivery["application_token"])
        app = App.from_row(row)
        with_refresh = delivery["event"] in WITH_REFRESH
        # Each delivery carries a token of its own, minted as it is sent (``expires`` = ``ts`` + 3600).
        pair = self.runtime.oauth.issue(conn, app, int(user_id), now, with_refresh=with_refresh)
        return app_auth_block(portal, base_url, app, pair, with_refresh=with_refresh)

    def _retry_delay(self, attempts: int) -> float:
        return float(self.runtime.settings.event_retry_delay) * (2 ** max(attempts - 1, 0))

    async def run_once(self, client: httpx.AsyncClient, portal_id: int | None = None) -> int:
        """Send every due delivery once (up to ``BATCH`` at a time, concurrently), of every portal or of
        one; answers how many. The database work runs in a thread: a write waiting for SQLite's one
        writer must not hold the event loop, and with it every request."""
        claimed, portals, auths = await asyncio.to_thread(self._claim, self.runtime.clock.now(), portal_id)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(
            *(
                self._post(client, d, portals[d["portal_id"]] or {}, auth)
                for d, auth in zip(claimed, auths, strict=True)
            )
        )
        await asyncio.to_thread(self._record_all, claimed, outcomes)
        return len(claimed)

    def _claim(
        self, now: float, portal_id: int | None
    ) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any] | None], list[Any]]:
        """Claim the due deliveries in one transaction, with their portals and ``auth`` blocks."""
        db = self.runtime.db
        with db.read() as conn:
            batch = deliveries.due(conn, now, BATCH, portal_id)
        portals: dict[int, dict[str, Any] | None] = {}
        claimed: list[dict[str, Any]] = []
        auths: list[Any] = []
        if not batch:
            return claimed, portals, auths
        apps_seen: dict[tuple[int, int], dict[str, Any] | None] = {}
        with db.write() as conn:
            for delivery in batch:
                if deliveries.claim(conn, delivery, now + LEASE):
                    if delivery["portal_id"] not in portals:
                        portals[delivery["portal_id"]] = tenancy.portal_by_id(conn, delivery["portal_id"])
                    portal = portals[delivery["portal_id"]]
                    if portal is not None:
                        claimed.append(delivery)
                        auths.append(self._auth_for(conn, delivery, portal, now, apps_seen))
        return claimed, portals, auths

    def _record_all(self, claimed: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> None:
        with self.runtime.db.write() as conn:  # one transaction records what happened
            for delivery, outcome in zip(claimed, outcomes, strict=True):
                self._record(conn, delivery, outcome)

    async def _post(
        self, client: httpx.AsyncClient, delivery: dict[str, Any], portal: dict[str, Any], auth: Any
    ) -> dict[str, Any]:
        started = self.runtime.clock.now()
        body = encode(payload(delivery, portal, self.runtime.settings.base_url, started, auth))
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
        except Exception as exc:  # any failure is this attempt's outcome, never the round's
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
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def woken() -> None:  # called in the committing thread
            with suppress(RuntimeError):  # the loop closed under a late commit
                loop.call_soon_threadsafe(wake.set)

        # Polling instead cost every request on the loop: 40 looks a second were ~10 % of crm.activity.get.
        forget = self.runtime.db.listen(deliveries.NEW_DELIVERY, woken)
        try:
            async with httpx.AsyncClient(limits=LIMITS) as client:
                while True:
                    wake.clear()  # before the look: a commit during it wakes the next wait
                    try:
                        tried = await self.run_once(client)
                    except Exception:  # a busy or restarting database: the next round tries again
                        log.exception("event delivery round failed")
                        tried = 0
                    if not tried:
                        with suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), IDLE)
        finally:
            forget()


def deliver_due(runtime: Any, portal_id: int | None = None) -> int:
    """One delivery round from synchronous code (tests, the CLI), of every portal or of one."""

    async def once() -> int:
        async with httpx.AsyncClient(limits=LIMITS) as client:
            return await DeliveryWorker(runtime).run_once(client, portal_id)

    return asyncio.run(once())
