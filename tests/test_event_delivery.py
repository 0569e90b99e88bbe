"""Events to handlers: outgoing webhooks receive the documented form payload over real HTTP on loopback;
failed deliveries are retried as configured with every attempt logged; nothing committed is lost across a
restart (and a delivery whose record was lost is sent again); the server's own worker delivers while it
runs; events, deliveries and attempts go after their retention, never while a delivery is pending."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from b24crm import background
from b24crm.app import create_app
from b24crm.auth.service import Tenancy
from b24crm.clock import ManualClock, SystemClock
from b24crm.devtools import EventReceiver
from b24crm.events import delivery, hooks, outbox
from b24crm.events.delivery import DeliveryWorker, deliver_due
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import deliveries, offline
from b24crm.store import outbox as outbox_store
from b24crm.store.engine import Database, signal_after_commit
from b24crm.store.sql import next_id
from b24crm.store.tables import event_attempts, event_deliveries, offline_events
from tests.client import PortalClient
from tests.support_events import event_portal, outgoing_hook

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    made = EventReceiver()
    yield made
    made.close()


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}/down"


def test_handler_receives_the_documented_payload(
    settings: Settings, database: Database, clock: ManualClock, receiver: EventReceiver
) -> None:
    with event_portal(settings, database, clock) as portal:
        hook = outgoing_hook(portal, "onCrmActivityAdd", receiver.url)
        outgoing_hook(portal, "ONCRMACTIVITYDELETE", receiver.url)
        activity = portal.add_call()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        (call,) = receiver.calls
        assert call["path"] == "/handler" and call["type"] == "application/x-www-form-urlencoded"
        p = portal.hook.portal
        assert call["form"] == {
            "event": "ONCRMACTIVITYADD",
            "event_handler_id": str(hook.id),
            "data[FIELDS][ID]": str(activity),
            "ts": str(int(clock.now())),
            "auth[domain]": p.domain,
            "auth[client_endpoint]": "http://127.0.0.1:8024/rest/",
            "auth[server_endpoint]": "http://127.0.0.1:8024/rest/",
            "auth[member_id]": p.member_id,
            "auth[application_token]": hook.application_token,
        }
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 0  # delivered once, not again
        log = portal.http.get(f"/_b24crm/portals/{p.id}/deliveries", headers=ADMIN).json()["result"]
        assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 1)]
        assert (
            log[0]["attempts_log"][0]["status_code"] == 200 and log[0]["attempts_log"][0]["response"] == "ok"
        )


def test_a_handler_that_is_down_gets_the_configured_retries(
    settings: Settings, database: Database, clock: ManualClock
) -> None:
    with event_portal(settings.with_(event_retries=2, event_retry_delay=10.0), database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", _closed_port_url())
        portal.add_call()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 0  # the retry waits 10 s
        clock.advance(10)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        clock.advance(19)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 0  # then 20 s
        clock.advance(1)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        clock.advance(3600)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 0  # given up after 1 + 2 attempts
        log = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/deliveries", headers=ADMIN).json()[
            "result"
        ]
        (delivery,) = log
        assert delivery["status"] == "failed" and delivery["attempts"] == 3
        attempts = delivery["attempts_log"]
        assert [a["attempt"] for a in attempts] == [1, 2, 3]
        assert all(a["status_code"] is None and "ConnectError" in a["error"] for a in attempts)


def test_the_vendors_single_attempt_by_default(
    settings: Settings, database: Database, clock: ManualClock
) -> None:
    failing = EventReceiver(status=500)
    try:
        with event_portal(settings, database, clock) as portal:
            outgoing_hook(portal, "ONCRMACTIVITYADD", failing.url)
            portal.add_call()
            assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
            clock.advance(3600)
            assert deliver_due(portal.runtime, portal.hook.portal.id) == 0
            log = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/deliveries", headers=ADMIN)
            (delivery,) = log.json()["result"]
            assert (delivery["status"], delivery["attempts_log"][0]["status_code"]) == ("failed", 500)
    finally:
        failing.close()


def test_nothing_committed_is_lost_across_a_restart(
    settings: Settings, database: Database, clock: ManualClock, receiver: EventReceiver
) -> None:
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        activity = portal.add_call()
        portal_id = portal.hook.portal.id
    # The server stopped before sending; a new one on the same database delivers.
    restarted = Runtime(settings, db=database, clock=clock)
    assert deliver_due(restarted, portal_id) == 1
    assert [c["form"]["data[FIELDS][ID]"] for c in receiver.calls] == [str(activity)]
    with restarted.db.read() as conn:
        assert [d["status"] for d in deliveries.deliveries_of_portal(conn, portal_id)] == ["delivered"]


def _forget_other_tests_deliveries(database: Database) -> None:
    """The worker serves every portal of the database, and the suite's database holds earlier tests'
    pending deliveries to handlers long gone (some to hosts that take seconds to fail): they would be
    sent first and fill the worker's slots for the whole wait."""
    with database.write() as conn:
        pending = event_deliveries.c.status == deliveries.PENDING
        conn.execute(event_deliveries.update().where(pending).values(status=deliveries.FAILED))


def test_the_running_server_delivers_by_itself(
    settings: Settings, database: Database, receiver: EventReceiver
) -> None:
    _forget_other_tests_deliveries(database)
    runtime = Runtime(settings.with_(event_delivery=True), db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        activity = portal.add_call()
        deadline = time.monotonic() + 10
        while not receiver.calls and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [c["form"]["data[FIELDS][ID]"] for c in receiver.calls] == [str(activity)]


def test_a_commit_wakes_the_worker_without_waiting_for_its_next_look(
    settings: Settings, database: Database, receiver: EventReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the idle look a minute away, only the commit's signal can bring the delivery within seconds.
    monkeypatch.setattr(delivery, "IDLE", 60.0)
    runtime = Runtime(settings.with_(event_delivery=True), db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        time.sleep(0.2)  # the worker's first look is done: it waits now
        first = portal.add_call()
        second = portal.add_call()
        deadline = time.monotonic() + 10
        while len(receiver.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sorted(c["form"]["data[FIELDS][ID]"] for c in receiver.calls) == sorted([str(first), str(second)])


def test_signals_follow_the_commit_and_never_a_rollback(database: Database) -> None:
    heard: list[str] = []
    forget = database.listen("probe", lambda: heard.append("probe"))
    with database.write() as conn:
        signal_after_commit(conn, "probe")
        signal_after_commit(conn, "probe")  # once a transaction
        assert heard == []  # not before the commit
    assert heard == ["probe"]
    with pytest.raises(RuntimeError), database.write() as conn:
        signal_after_commit(conn, "probe")
        raise RuntimeError("rolled back")
    with database.write():
        pass  # the rolled-back signal did not stay on the pooled connection
    assert heard == ["probe"]
    forget()
    with database.write() as conn:
        signal_after_commit(conn, "probe")
    assert heard == ["probe"]


def test_a_failing_listener_neither_undoes_nor_fails_the_commit(database: Database) -> None:
    def broken() -> None:
        raise RuntimeError("listener bug")

    portal = Tenancy(database, SystemClock()).create_portal()
    forget = database.listen("probe", broken)
    with database.write() as conn:
        signal_after_commit(conn, "probe")
        assert next_id(conn, portal.id, "listener_probe") == 1
    forget()
    with database.write() as conn:  # the first id was kept
        assert next_id(conn, portal.id, "listener_probe") == 2


def test_outgoing_webhook_input_is_checked(portal: PortalClient) -> None:
    with pytest.raises(ValueError):
        hooks.create(portal.runtime.db, portal.hook.portal.id, event="X", url="ftp://x", user_id=1, now=0)
    with pytest.raises(LookupError):
        hooks.create(portal.runtime.db, 99999, event="X", url="http://127.0.0.1/", user_id=1, now=0)


def test_a_delivery_whose_record_was_lost_is_sent_again_after_its_lease(
    settings: Settings, database: Database, clock: ManualClock, receiver: EventReceiver
) -> None:
    """Why delivery is at least once: a server killed (``kill -9``) after the handler answered and before
    the answer was recorded leaves the delivery claimed and pending; when the claim runs out it goes again."""
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        activity = portal.add_call()
        portal_id = portal.hook.portal.id
        worker = DeliveryWorker(portal.runtime)

        async def send_and_die() -> None:  # what a worker does before it records
            async with worker.client() as client:
                (claimed,) = worker._claim(clock.now(), portal_id, delivery.BATCH, {})
                await worker._post(client, *claimed)

        asyncio.run(send_and_die())
        assert len(receiver.calls) == 1
        assert deliver_due(portal.runtime, portal_id) == 0  # no one else sends it while it is claimed
        clock.advance(worker.lease)
        assert deliver_due(portal.runtime, portal_id) == 1
        assert [c["form"]["data[FIELDS][ID]"] for c in receiver.calls] == [str(activity)] * 2


def _kept(portal: PortalClient) -> dict[str, Any]:
    """What the portal keeps of its events: event ids, deliveries (event, status, attempts), attempt rows,
    offline rows."""
    portal_id = portal.hook.portal.id
    with portal.runtime.db.read() as conn:
        events = [e["id"] for e in outbox_store.list_events(conn, portal_id)]
        sent = [
            (d["event_id"], d["status"], d["attempts"])
            for d in deliveries.deliveries_of_portal(conn, portal_id)
        ]
        tried = conn.execute(
            sa.select(sa.func.count()).where(event_attempts.c.portal_id == portal_id)
        ).scalar()
        queued = conn.execute(
            sa.select(sa.func.count()).where(offline_events.c.portal_id == portal_id)
        ).scalar()
    return {"events": events, "deliveries": sent, "attempts": tried, "offline": queued}


def test_events_go_after_their_retention_in_batches_but_not_while_a_delivery_is_pending(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    receiver: EventReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(background, "EVENT_PURGE_BATCH", 2)
    day = 86400.0
    configured = settings.with_(event_retries=1, event_retry_delay=30 * day, event_retention_days=7.0)
    with event_portal(configured, database, clock) as portal:
        runtime, portal_id = portal.runtime, portal.hook.portal.id
        outgoing_hook(portal, "ONCRMDEALADD", receiver.url)
        outgoing_hook(portal, "ONCRMDEALUPDATE", _closed_port_url())
        with runtime.db.write() as conn:
            done = [
                outbox.emit_entity(conn, portal_id, "ONCRMDEALADD", deal, clock.now()) for deal in (1, 2, 3)
            ]
            retrying = outbox.emit_entity(conn, portal_id, "ONCRMDEALUPDATE", 1, clock.now())
            done.append(outbox.emit_entity(conn, portal_id, "ONCRMDEALDELETE", 1, clock.now()))  # no handler
            # An app's unread offline row: it is the app's to read, whatever its age.
            offline.enqueue(conn, portal_id, 1, "", "ONCRMDEALADD", {"FIELDS": {"ID": 1}}, {}, clock.now())
        assert (
            deliver_due(runtime, portal_id) == 4
        )  # three delivered; the update failed, its retry in 30 days
        clock.advance(8 * day)
        with runtime.db.write() as conn:
            recent = outbox.emit_entity(conn, portal_id, "ONCRMDEALADD", 4, clock.now())
        assert deliver_due(runtime, portal_id) == 1
        assert _kept(portal)["attempts"] == 5

        # Two a batch: the four finished events older than 7 days go, the pending and the recent stay.
        assert [background.purge_events(runtime, portal_id) for _ in range(3)] == [2, 2, 0]
        kept = _kept(portal)
        assert kept["events"] == [retrying, recent] and not set(done) & set(kept["events"])
        assert kept["deliveries"] == [(retrying, "pending", 1), (recent, "delivered", 1)]
        assert (kept["attempts"], kept["offline"]) == (2, 1)

        clock.advance(30 * day)  # the retry fails too: the delivery is done, and its event may go
        assert deliver_due(runtime, portal_id) == 1
        assert background.purge_events(runtime, portal_id) == 2
        assert _kept(portal) == {"events": [], "deliveries": [], "attempts": 0, "offline": 1}


def test_a_retention_of_zero_keeps_every_event(
    settings: Settings, database: Database, clock: ManualClock, receiver: EventReceiver
) -> None:
    with event_portal(settings.with_(event_retention_days=0.0), database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        portal.add_call()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        clock.advance(3650 * 86400)
        before = _kept(portal)
        assert background.purge_events(portal.runtime) == 0
        assert _kept(portal) == before and before["deliveries"] and before["attempts"] == 1


def test_the_running_server_purges_by_itself(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    receiver: EventReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(background, "EVENT_PURGE_EVERY", 0.05)
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        portal.add_call()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        assert _kept(portal)["events"]
        clock.advance(8 * 86400)  # past the default retention
        deadline = time.monotonic() + 5
        while _kept(portal)["events"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _kept(portal) == {"events": [], "deliveries": [], "attempts": 0, "offline": 0}
