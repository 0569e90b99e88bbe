"""The events scenario: activities added through the API, their ONCRMACTIVITYADD delivered by the server's
worker to a handler on loopback; deliveries per second and the latency from commit to receipt. The
handler is an outgoing webhook (the reduced ``auth``) or an application's (a token minted per delivery)."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from rich.console import Console

from b24crm.devtools import EventReceiver
from b24crm.events import hooks
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import deliveries
from b24crm.store.engine import Database
from b24crm.store.tables import event_outbox
from bench.servers import b24crm_server


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _adder(webhook: str, deal: int) -> Any:
    fields = {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal,
        "TYPE_ID": 2,
        "SUBJECT": "Event bench",
        "COMMUNICATIONS": [{"VALUE": "+15550003"}],
    }
    local = threading.local()

    def add(_: int) -> int:
        client = getattr(local, "client", None) or httpx.Client()
        local.client = client
        return int(client.post(f"{webhook}crm.activity.add", json={"fields": fields}).json()["result"])

    return add


def _bind(db_url: str, data_dir: Path, handler: str, url: str) -> None:
    """ONCRMACTIVITYADD on the demo portal to ``url``: as an outgoing webhook, or for an installed app
    (what its event.bind writes)."""
    if handler == "webhook":
        db = Database(db_url)
        try:
            hooks.create(db, 1, event="ONCRMACTIVITYADD", url=url, user_id=1, now=time.time())
        finally:
            db.dispose()
        return
    runtime = Runtime(Settings(db=db_url, data_dir=str(data_dir)))
    try:
        made = runtime.apps.create(1, handler_url=url, scopes="crm")
        with runtime.db.write() as conn:
            deliveries.insert_handler(
                conn,
                1,
                {
                    "event": "ONCRMACTIVITYADD",
                    "url": url,
                    "application_token": made.app.application_token,
                    "user_id": 1,
                    "app_id": made.app.id,
                    "created": time.time(),
                },
            )
    finally:
        runtime.close()


def run(
    db_url: str, data_dir: Path, events: int, console: Console, handler: str = "webhook"
) -> dict[str, Any]:
    """(1) ``events`` activities added while the server's worker is off: a backlog of deliveries, as
    after a crash; (2) a server started on it drains the backlog: deliveries per second; (3) 100
    activities one every 20 ms: the latency from commit to the handler's receipt."""
    receiver = EventReceiver()
    db = Database(db_url)
    try:
        os.environ["B24CRM_EVENT_DELIVERY"] = "0"
        try:
            with b24crm_server(db_url, data_dir) as (_, webhook):
                _bind(db_url, data_dir, handler, receiver.url)
                deal = httpx.post(f"{webhook}crm.deal.add", json={"fields": {"TITLE": "Events"}}).json()[
                    "result"
                ]
                console.print(f"backlog: {events:,} activities added with the worker off")
                with ThreadPoolExecutor(4) as pool:
                    backlog = list(pool.map(_adder(webhook, deal), range(events)))
        finally:
            del os.environ["B24CRM_EVENT_DELIVERY"]
        with b24crm_server(db_url, data_dir) as (_, webhook):
            started = time.time()
            _wait(receiver, backlog)
            arrived = receiver.arrivals()
            drained = max(arrived.get(a, started) for a in backlog) - started
            console.print(f"drained in {drained:.2f} s; paced: 100 activities, one every 20 ms")
            add = _adder(webhook, deal)
            paced = []
            for n in range(100):
                paced.append(add(n))
                time.sleep(0.02)
            _wait(receiver, paced)
        with db.read() as conn:
            created = {
                row.data["FIELDS"]["ID"]: row.created
                for row in conn.execute(
                    sa.select(event_outbox.c.data, event_outbox.c.created).where(
                        event_outbox.c.portal_id == 1, event_outbox.c.event == "ONCRMACTIVITYADD"
                    )
                )
            }
    finally:
        db.dispose()
        receiver.close()
    arrived = receiver.arrivals()
    latency = [(arrived[a] - created[a]) * 1000 for a in paced if a in arrived]
    return {
        "handler": handler,
        "backlog_events": len(backlog),
        "backlog_delivered_after_restart": sum(a in arrived for a in backlog),
        "deliveries_per_s": len(backlog) / drained if drained > 0 else 0.0,
        "paced_delivered": len(latency),
        "latency_p50_ms": _percentile(latency, 0.5),
        "latency_p99_ms": _percentile(latency, 0.99),
    }


def _wait(receiver: EventReceiver, activities: list[int], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not set(activities) <= set(receiver.arrivals()) and time.monotonic() < deadline:
        time.sleep(0.05)
