"""Faults for event deliveries: a rule drops a handler's delivery (recorded as a failed attempt, retried as
a failure is) or delays it (late, without holding back the other handlers' deliveries); through the admin
API and ``b24crm fault add --event``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from b24crm.app import create_app
from b24crm.cli import cli
from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import deliveries
from b24crm.store.engine import Database
from b24crm.store.tables import event_deliveries
from tests.client import PortalClient
from tests.support_events import event_portal, outgoing_hook

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def receivers() -> Iterator[tuple[EventReceiver, EventReceiver]]:
    made = EventReceiver(), EventReceiver()
    yield made
    for receiver in made:
        receiver.close()


def _add(portal: PortalClient, **rule: Any) -> dict[str, Any]:
    answer = portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/faults", json=rule, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()["result"]  # type: ignore[no-any-return]


def _deliveries(portal: PortalClient) -> list[dict[str, Any]]:
    answer = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/deliveries", headers=ADMIN)
    return answer.json()["result"]  # type: ignore[no-any-return]


def test_a_dropped_delivery_is_a_failed_attempt_then_retried_and_delivered(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    receivers: tuple[EventReceiver, EventReceiver],
) -> None:
    receiver, _ = receivers
    with event_portal(settings.with_(event_retries=2, event_retry_delay=10.0), database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        rule = _add(portal, target="event", effect="drop", event="ONCRMACTIVITY*", times=1)
        assert rule["target"] == "event" and rule["handler"] == "*"
        activity = portal.add_call()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        assert receiver.calls == []  # dropped: the handler was not called
        (delivery,) = _deliveries(portal)
        assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
        assert f"dropped by fault rule {rule['id']}" in delivery["attempts_log"][0]["error"]
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 0  # the retry waits, as any failure's
        clock.advance(10)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        (call,) = receiver.calls
        assert call["form"]["data[FIELDS][ID]"] == str(activity)
        (delivery,) = _deliveries(portal)
        assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
        assert [a["status_code"] for a in delivery["attempts_log"]] == [None, 200]
        (listed,) = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/faults", headers=ADMIN).json()[
            "result"
        ]
        assert (listed["target"], listed["seen"], listed["fired"]) == ("event", 1, 1)


def test_a_delayed_delivery_arrives_late_and_holds_back_no_other_handler(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    receivers: tuple[EventReceiver, EventReceiver],
) -> None:
    slow, fast = receivers  # two origins (ports)
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", slow.url)
        outgoing_hook(portal, "ONCRMACTIVITYADD", fast.url)
        _add(portal, effect="delay", handler=f"{slow.url.rsplit('/', 1)[0]}/*", delay_ms=1500)
        portal.add_call()
        began = time.time()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 2
        (late,), (early,) = slow.calls, fast.calls
        assert early["arrived"] - began < 1.0  # sent as the delayed one waited
        assert late["arrived"] - began >= 1.5
        assert {d["status"] for d in _deliveries(portal)} == {"delivered"}


def test_the_running_worker_sends_others_while_a_delivery_waits(
    settings: Settings, database: Database, receivers: tuple[EventReceiver, EventReceiver]
) -> None:
    slow, fast = receivers
    with database.write() as conn:  # the suite's leftovers would be sent first (test_event_delivery.py)
        pending = event_deliveries.c.status == deliveries.PENDING
        conn.execute(event_deliveries.update().where(pending).values(status=deliveries.FAILED))
    runtime = Runtime(settings.with_(event_delivery=True), db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        outgoing_hook(portal, "ONCRMACTIVITYADD", slow.url)
        outgoing_hook(portal, "ONCRMACTIVITYDELETE", fast.url)
        _add(portal, effect="delay", handler=slow.url, delay_ms=3000)
        began = time.time()
        activity = portal.add_call()  # its delivery waits 3 s
        time.sleep(0.3)
        portal.result("crm.activity.delete", {"id": activity})  # a later event, to another handler
        deadline = time.monotonic() + 10
        while not (slow.calls and fast.calls) and time.monotonic() < deadline:
            time.sleep(0.05)
    (late,), (early,) = slow.calls, fast.calls
    assert early["arrived"] - began < 2.0 and early["arrived"] < late["arrived"]
    assert late["arrived"] - began >= 3.0


def test_rules_match_event_and_handler_and_spend_their_times(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    receivers: tuple[EventReceiver, EventReceiver],
) -> None:
    receiver, other = receivers
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        outgoing_hook(portal, "ONCRMACTIVITYADD", other.url)
        _add(portal, effect="drop", event="ONCRMDEAL*")  # another event: never fires
        _add(portal, effect="drop", handler=receiver.url, times=2)
        for _ in range(3):
            portal.add_call()
        while deliver_due(portal.runtime, portal.hook.portal.id):
            pass
        assert (len(receiver.calls), len(other.calls)) == (1, 3)  # two dropped (no retries), then spent
        failed = [d for d in _deliveries(portal) if d["status"] == "failed"]
        assert len(failed) == 2 and all(d["url"] == receiver.url for d in failed)
        db = database.url.render_as_string(hide_password=False)
        shown = CliRunner().invoke(cli, ["events", "--db", db, "--portal", str(portal.hook.portal.id)])
        outcomes = [
            line.rsplit(": ", 1)[1] for line in shown.output.splitlines() if "ONCRMACTIVITYADD" in line
        ]
        assert outcomes == ["1 delivered, 1 failed", "1 delivered, 1 failed", "2 delivered"], shown.output


def test_a_seed_drops_the_same_deliveries(
    settings: Settings, database: Database, clock: ManualClock, receivers: tuple[EventReceiver, EventReceiver]
) -> None:
    receiver, _ = receivers
    outcomes = []
    for _ in range(2):
        with event_portal(settings, database, clock) as portal:
            outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
            _add(portal, effect="drop", probability=0.5, seed=11, event="*")
            for _ in range(12):
                portal.add_call()
            while deliver_due(portal.runtime, portal.hook.portal.id):
                pass
            outcomes.append([d["status"] for d in _deliveries(portal)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {"delivered", "failed"}


@pytest.mark.parametrize(
    "rule",
    [
        {"target": "event", "effect": "latency"},
        {"target": "event", "effect": "delay"},  # without delay_ms
        {"target": "event", "effect": "delay", "delay_ms": 10**6},
        {"target": "event", "effect": "drop", "event": 5},
        {"target": "event", "effect": "drop", "probability": 0},
        {"target": "queue", "effect": "drop"},
    ],
)
def test_bad_event_rules_are_refused(portal: PortalClient, rule: dict[str, Any]) -> None:
    answer = portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/faults", json=rule, headers=ADMIN)
    assert answer.status_code == 400, answer.text


def test_the_fault_command_for_events(portal: PortalClient, database: Database) -> None:
    db = database.url.render_as_string(hide_password=False)
    pid = str(portal.hook.portal.id)
    runner = CliRunner()
    made = runner.invoke(
        cli, ["fault", "add", "--db", db, "--portal", pid, "--event", "ONCRMDEAL*", "--effect", "drop"]
    )
    assert made.exit_code == 0 and "Fault: " in made.output, made.output
    args = ["fault", "add", "--db", db, "--portal", pid, "--handler", "https://x/*", "--effect", "delay"]
    assert runner.invoke(cli, [*args, "--delay-ms", "200"]).exit_code == 0
    assert runner.invoke(cli, args).exit_code != 0  # a delay needs its time
    listed = runner.invoke(cli, ["fault", "list", "--db", db, "--portal", pid]).output
    assert listed.count('"target": "event"') == 2 and '"event": "ONCRMDEAL*"' in listed
    assert "Removed: 2" in runner.invoke(cli, ["fault", "clear", "--db", db, "--portal", pid]).output
