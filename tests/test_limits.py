"""Request limits as the cloud applies them: the leaky bucket (503 QUERY_LIMIT_EXCEEDED) and operating time
(429 OPERATION_TIME_LIMIT), off unless chosen, shared by server processes through the database."""

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
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
TOO_MANY = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
BLOCKED = {
    "error": "OPERATION_TIME_LIMIT",
    "error_description": "Method is blocked due to operation time limit.",
}


class Server:
    """One server process: its runtime and client, on the shared database and clock."""

    def __init__(self, settings: Settings, database: Database, clock: ManualClock) -> None:
        self.runtime = Runtime(settings, clock=clock, db=database)
        self.http = TestClient(create_app(self.runtime), base_url="http://testserver")
        self.http.__enter__()

    def close(self) -> None:
        self.http.__exit__(None, None, None)

    def client(self, other: PortalClient) -> PortalClient:
        return PortalClient(self.runtime, self.http, other.hook)

    def set_plan(self, portal: PortalClient, **plan: Any) -> dict[str, Any]:
        answer = self.http.put(f"/_b24crm/portals/{portal.hook.portal.id}/limits", json=plan, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        return answer.json()["result"]  # type: ignore[no-any-return]


@pytest.fixture
def servers(settings: Settings, database: Database, clock: ManualClock) -> Iterator[list[Server]]:
    made = [Server(settings, database, clock) for _ in range(2)]
    yield made
    for server in made:
        server.close()


@pytest.fixture
def portal(servers: list[Server]) -> PortalClient:
    return PortalClient.create(servers[0].runtime, servers[0].http, scopes=("crm", "user"))


def _until(check: Any) -> Any:
    """PostgreSQL tells other processes of a change by a notification: at most two seconds."""
    deadline = time.monotonic() + 2
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_off_by_default(portal: PortalClient) -> None:
    for _ in range(60):
        portal.result("server.time")


def test_the_bucket_refuses_past_its_burst_and_drains(
    servers: list[Server], portal: PortalClient, clock: ManualClock
) -> None:
    state = servers[0].set_plan(portal, plan="standard", burst=5)
    assert state["effective"]["drain"] == 2.0 and state["effective"]["burst"] == 5
    for _ in range(5):
        portal.result("server.time")
    assert portal.error("server.time") == (503, TOO_MANY)
    clock.advance(1.0)  # two requests drained
    portal.result("server.time")
    portal.result("server.time")
    assert portal.error("server.time") == (503, TOO_MANY)


def test_a_batch_counts_once(servers: list[Server], portal: PortalClient) -> None:
    servers[0].set_plan(portal, plan="standard", burst=2)
    cmd = {f"c{i}": "server.time" for i in range(20)}
    assert len(portal.result("batch", {"cmd": cmd})["result"]) == 20
    portal.result("batch", {"cmd": cmd})
    assert portal.error("batch", {"cmd": cmd}) == (503, TOO_MANY)


def test_the_bucket_is_one_for_every_process(
    servers: list[Server], portal: PortalClient, clock: ManualClock
) -> None:
    first, second = portal, servers[1].client(portal)
    second.result("server.time")  # the second process has the credential, without limits, in its cache
    servers[0].set_plan(portal, plan="enterprise", burst=5)
    # The change reaches the other process's cached credential at once (PostgreSQL: its notification);
    # the call that shows it takes one of the five.
    _until(lambda: _bucket_level(servers[1], portal) is not None)
    first.result("server.time")
    second.result("server.time")
    first.result("server.time")
    # One request left in the shared bucket, whichever process takes it.
    second.result("server.time")
    assert first.error("server.time") == (503, TOO_MANY)
    assert second.error("server.time") == (503, TOO_MANY)
    clock.advance(0.2)  # enterprise: five a second
    second.result("server.time")
    assert first.error("server.time") == (503, TOO_MANY)


def _bucket_level(server: Server, portal: PortalClient) -> float | None:
    """The level after one more call through ``server``: None while that process sees no limits."""
    server.client(portal).result("server.time")
    state = server.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/limits", headers=ADMIN).json()[
        "result"
    ]
    assert state["buckets"], "no bucket yet: the process does not apply the plan"
    return float(state["buckets"][0]["level_now"])


def test_operating_time_blocks_the_method_for_the_credential(
    servers: list[Server], portal: PortalClient, clock: ManualClock
) -> None:
    servers[0].set_plan(portal, plan="standard", burst=1000, operating_limit=0.000001)
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "x"}})  # the call that crosses completes
    assert portal.error("crm.deal.add", {"fields": {"TITLE": "y"}}) == (429, BLOCKED)
    # Another method of the same credential is not blocked, nor the same method in another process's eyes
    # any less: the account is shared.
    assert portal.result("crm.deal.get", {"id": deal})["ID"] == str(deal)
    assert servers[1].client(portal).error("crm.deal.add", {"fields": {"TITLE": "z"}}) == (429, BLOCKED)
    # Inside a batch each command meets its own method's account.
    batch = portal.result("batch", {"cmd": {"a": "crm.deal.add?fields[TITLE]=b", "t": "server.time"}})
    assert batch["result_error"]["a"]["error"] == "OPERATION_TIME_LIMIT"
    assert "t" in batch["result"]
    clock.advance(601)  # the buckets expire ten minutes after they opened
    portal.result("crm.deal.add", {"fields": {"TITLE": "again"}})


def test_the_time_block_reports_the_shared_operating_time(
    servers: list[Server], portal: PortalClient, clock: ManualClock
) -> None:
    servers[0].set_plan(portal, plan="standard", burst=1000)
    opened = clock.now()
    first = portal.call("crm.deal.add", {"fields": {"TITLE": "x"}})["time"]
    assert first["operating_reset_at"] == int(opened + 600)
    clock.advance(30)
    second = servers[1].client(portal).call("crm.deal.add", {"fields": {"TITLE": "y"}})["time"]
    assert second["operating"] > first["operating"] > 0
    assert second["operating"] == pytest.approx(first["operating"] + second["processing"], abs=1e-6)
    assert second["operating_reset_at"] == int(opened + 600)


def test_a_scale_factor_runs_the_limits_faster(
    settings: Settings, database: Database, clock: ManualClock
) -> None:
    server = Server(settings.with_(limits="standard", limits_time_scale=60.0), database, clock)
    try:
        portal = PortalClient.create(server.runtime, server.http, scopes=("crm",))
        for _ in range(50):
            portal.result("server.time")
        assert portal.error("server.time") == (503, TOO_MANY)
        clock.advance(1 / 120)  # 120 requests a second drained: one
        portal.result("server.time")
        state = server.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/limits", headers=ADMIN).json()
        assert state["result"]["plan"] is None and state["result"]["effective"]["window"] == 10.0
    finally:
        server.close()


def test_admin_input_is_checked(servers: list[Server], portal: PortalClient) -> None:
    url = f"/_b24crm/portals/{portal.hook.portal.id}/limits"
    for body in ({"plan": "gold"}, {"plan": "standard", "burst": -1}, {"plan": "standard", "drain": "x"}):
        assert servers[0].http.put(url, json=body, headers=ADMIN).status_code == 400
    assert (
        servers[0].http.put("/_b24crm/portals/99999/limits", json={"plan": "off"}, headers=ADMIN).status_code
        == 404
    )
    assert servers[0].http.get(url).status_code == 401
    assert servers[0].http.delete(url, headers=ADMIN).json()["result"]["plan"] is None


def test_the_limits_commands(database: Database, portal: PortalClient) -> None:
    db = database.url.render_as_string(hide_password=False)
    pid = str(portal.hook.portal.id)
    runner = CliRunner()
    made = runner.invoke(cli, ["limits", "set", "--db", db, "--portal", pid, "--plan", "enterprise"])
    assert made.exit_code == 0 and "Limits: enterprise (its own plan): 5 requests/s, burst 250" in made.output
    portal.result("server.time")
    shown = runner.invoke(cli, ["limits", "show", "--db", db, "--portal", pid]).output
    assert "bucket testclient: " in shown  # drained by now: the command reads the real clock
    cleared = runner.invoke(cli, ["limits", "clear", "--db", db, "--portal", pid])
    assert "Limits: off (the server's setting)" in cleared.output
    assert runner.invoke(cli, ["limits", "set", "--db", db, "--portal", pid, "--plan", "x"]).exit_code != 0


def test_health_answers_without_credentials(servers: list[Server]) -> None:
    answer = servers[0].http.get("/_b24crm/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["database"] == "ok"
    assert "access-control-allow-origin" not in answer.headers


@pytest.fixture
def live_runtime(settings: Settings, sqlite_database: Database) -> Runtime:
    # The clients throttle by the real clock; the server's limits follow it ten times faster.
    return Runtime(
        settings.with_(limits="standard", limits_time_scale=10.0, request_log=False, request_log_keep=1000),
        db=sqlite_database,
    )


def test_fast_bitrix24s_velocity_policy_pulls_2000_activities_at_the_buckets_rate(
    live_runtime: Runtime,
) -> None:
    from fast_bitrix24 import Bitrix

    from b24crm.seed import seed_activities
    from tests.live import live_server

    tenancy = live_runtime.tenancy
    made = tenancy.create_portal()
    admin = tenancy.create_user(made.id, name="Puller", admin=True)
    hook = tenancy.create_webhook(made.id, admin.id, "crm")
    first, last = seed_activities(live_runtime.db, made.id, 2000, users=3, now=time.time())
    rate = 2.0 * 10  # the standard plan's drain, scaled
    with live_server(live_runtime) as (base, _):
        bitrix = Bitrix(hook.url(base), verbose=False, requests_per_second=rate, batch_size=10)
        began = time.monotonic()
        # One request at a time: the client counts a request when its answer arrives, so with its 50
        # concurrent requests the waiting ones all leave together and overshoot any bucket (they are
        # then refused and retried); one at a time its velocity policy keeps under the limit exactly.
        with bitrix.slow(1):
            pulled = bitrix.get_by_ID("crm.activity.get", list(range(first, last + 1)))
        took = time.monotonic() - began
    assert len(pulled) == 2000 and {int(a["ID"]) for a in pulled.values()} == set(range(first, last + 1))
    journal = live_runtime.workbench.journal
    assert journal is not None
    statuses = [c["status"] for c in journal.calls(made.id)]
    # 200 batches of ten: none refused, the first 50 at once, then at the bucket's rate.
    assert len(statuses) == 200 and set(statuses) == {200}
    assert (200 - 50) / rate * 0.9 <= took <= (200 - 50) / rate * 3 + 5


def test_b24pysdks_retry_on_503_gets_through(live_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from b24pysdk import BitrixWebhook, Client

    from b24crm.store import limits as store
    from tests.live import live_server

    tenancy = live_runtime.tenancy
    made = tenancy.create_portal()
    admin = tenancy.create_user(made.id, name="Retry", admin=True)
    hook = tenancy.create_webhook(made.id, admin.id, "crm,user")
    with live_runtime.db.write() as conn:  # three at once, then one every 0.1 s (scaled: one a second)
        store.set_plan(conn, made.id, {"plan": "standard", "drain": 1.0, "burst": 3})
    with live_server(live_runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        webhook = BitrixWebhook(domain=base.removeprefix("https://"), webhook_token=f"{admin.id}/{hook.code}")
        client = Client(webhook, max_retries=10, initial_retry_delay=0.05, retry_delay_increment=0.05)
        for _ in range(8):
            assert client.server.time().response.result
    journal = live_runtime.workbench.journal
    assert journal is not None
    statuses = [c["status"] for c in journal.calls(made.id)]
    assert statuses.count(200) == 8 and 503 in statuses


def test_buckets_left_empty_are_swept(
    servers: list[Server], portal: PortalClient, clock: ManualClock, database: Database
) -> None:
    """A source that stopped calling, and a method never called again, leave no row behind for ever."""
    from b24crm.store import limits as store

    servers[0].set_plan(portal, plan="standard", burst=1000)
    portal.result("crm.deal.add", {"fields": {"TITLE": "counted"}})
    portal_id = portal.hook.portal.id
    with database.write() as conn:
        store.take(conn, portal_id, "203.0.113.9", clock.now(), 2.0, 1000)
    before = servers[0].runtime.workbench.limits.state(portal_id)
    assert {b["source"] for b in before["buckets"]} >= {"203.0.113.9"}
    assert [a["method"] for a in before["operating"]] == ["crm.deal.add"]
    clock.advance(601)  # the other source drained long ago; the deal.add minute is past the window
    portal.result("server.time")
    after = servers[0].runtime.workbench.limits.state(portal_id)
    assert "203.0.113.9" not in {b["source"] for b in after["buckets"]}
    with database.read() as conn:  # only the call just made is accounted
        assert [a["method"] for a in store.operating_of_portal(conn, portal_id, 0.0)] == ["server.time"]


def test_setting_a_plan_over_another_keeps_one_row(database: Database, portal: PortalClient) -> None:
    from b24crm.store import limits as store

    portal_id = portal.hook.portal.id
    with database.write() as conn:
        store.set_plan(conn, portal_id, {"plan": "standard", "drain": 1.0, "burst": 3})
    with database.write() as conn:
        store.set_plan(conn, portal_id, {"plan": "enterprise"})
    with database.read() as conn:
        assert store.plan_of(conn, portal_id) == {
            "portal_id": portal_id,
            "plan": "enterprise",
            "drain": None,
            "burst": None,
            "operating_limit": None,
        }
