"""The server's clock, frozen, set and advanced through the admin API and the CLI: the time block and
server.time follow it, dates written take it, tokens expire, todo reminders fire and offline reservations
lapse by it, and another process on the same database keeps the same time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from b24crm.cli import cli
from b24crm.clock import ControlledClock, SystemClock
from b24crm.devtools import serve_process
from b24crm.runtime import Runtime
from b24crm.store import clock_control
from b24crm.store.engine import Database
from tests.apps_support import InstalledApp, install
from tests.client import AppClient, PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
NOON = 1_903_867_200.0  # 2030-05-01T12:00:00Z


@pytest.fixture(autouse=True)
def real_time_after(runtime: Runtime) -> Iterator[None]:
    """The test databases are shared by the whole suite: the clock goes back to the real time."""
    yield
    with runtime.db.write() as conn:
        clock_control.write(conn, None)
    runtime.clock_control.changed(None)


def _clock(http: TestClient, **body: object) -> dict[str, object]:
    response = http.put("/_b24crm/clock", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


def test_a_frozen_clock_is_what_every_answer_tells(portal: PortalClient) -> None:
    state = _clock(portal.http, freeze=True, set="2030-05-01T12:00:00Z")
    assert state == {
        "now": NOON,
        "iso": "2030-05-01T12:00:00+00:00",
        "frozen": True,
        "offset": 0.0,
        "controlled": True,
    }
    answer = portal.raw("server.time").json()
    assert answer["result"] == "2030-05-01T12:00:00+00:00"
    assert (answer["time"]["start"], answer["time"]["finish"]) == (NOON, NOON)
    assert answer["time"]["date_start"] == "2030-05-01T12:00:00+00:00"
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Frozen"}})
    _clock(portal.http, advance=90)
    assert portal.result("crm.deal.get", {"id": deal})["DATE_CREATE"] == "2030-05-01T12:00:00+00:00"
    portal.result("crm.deal.update", {"id": deal, "fields": {"TITLE": "Later"}})
    assert portal.result("crm.deal.get", {"id": deal})["DATE_MODIFY"] == "2030-05-01T12:01:30+00:00"
    assert portal.result("server.time") == "2030-05-01T12:01:30+00:00"
    # Let run, it goes on from there; back to the real time, it is now again.
    running = _clock(portal.http, freeze=False)
    assert running["frozen"] is False and NOON + 90 <= float(running["now"]) < NOON + 100  # type: ignore[arg-type]
    assert abs(float(running["offset"]) - (NOON + 90 - time.time())) < 5  # type: ignore[arg-type]
    real = portal.http.delete("/_b24crm/clock", headers=ADMIN).json()["result"]
    assert real["controlled"] is False and abs(real["now"] - time.time()) < 5
    assert abs(portal.raw("server.time").json()["time"]["start"] - time.time()) < 5


def test_tokens_expire_as_the_clock_passes_their_hour(portal: PortalClient) -> None:
    _clock(portal.http, freeze=True, set=NOON)
    app = install(portal, "http://app.test/install")
    assert app.tokens["expires"] == int(NOON) + 3600
    assert app.api.result("app.info")["ID"] == app.id
    _clock(portal.http, advance=3599)
    assert app.api.result("app.info")["ID"] == app.id
    _clock(portal.http, advance=1)
    assert app.api.error("app.info") == (
        401,
        {"error": "expired_token", "error_description": "The access token provided has expired."},
    )
    assert portal.result("server.time") == "2030-05-01T13:00:00+00:00"  # the webhook lives on


def test_a_todo_reminder_fires_when_the_clock_reaches_it(portal: PortalClient) -> None:
    _clock(portal.http, freeze=True, set=NOON)
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Reminded"}})
    params = {"ownerTypeId": 2, "ownerId": deal, "deadline": "2030-05-01T14:00:00+00:00", "pingOffsets": [60]}
    todo = portal.result("crm.activity.todo.add", params)["id"]
    where = f"/_b24crm/portals/{portal.hook.portal.id}/reminders"

    def fired() -> list[object]:
        rows = portal.http.get(where, headers=ADMIN).json()["result"]
        assert [r["activity_id"] for r in rows] == [todo]
        return [r["fired"] for r in rows]

    assert fired() == [None]
    _clock(portal.http, advance=3599)
    assert fired() == [None]
    _clock(portal.http, advance=1)  # 13:00, an hour before the deadline: fired by the change itself
    assert fired() == [NOON + 3600]


def _refreshed(portal: PortalClient, app: InstalledApp) -> AppClient:
    """The app's client with a token from its refresh token (180 days), by the server's clock."""
    made = app.made
    query = {"grant_type": "refresh_token", "client_id": made.app.client_id}
    query |= {"client_secret": made.client_secret, "refresh_token": app.tokens["refresh_token"]}
    answer = portal.http.get("/oauth/token/", params=query).json()
    assert answer["expires"] == int(portal.runtime.clock.now()) + 3600
    return AppClient(portal.runtime, portal.http, answer["access_token"])


def test_an_offline_reservation_lapses_after_thirty_days(portal: PortalClient) -> None:
    _clock(portal.http, freeze=True, set=NOON)
    app = install(portal, "http://app.test/install")
    assert app.api.result("event.bind", {"event": "ONCRMDEALADD", "event_type": "offline"}) is True
    portal.result("crm.deal.add", {"fields": {"TITLE": "Queued"}})
    reserved = app.api.result("event.offline.get", {"clear": 0})
    assert len(reserved["events"]) == 1
    _clock(portal.http, advance=30 * 86400 - 1)
    api = _refreshed(portal, app)
    again = api.result("event.offline.get", {"clear": 0, "process_id": reserved["process_id"]})
    assert again["events"] == reserved["events"]
    _clock(portal.http, advance=2)  # past the thirty days: the reservation and its events are gone
    gone = api.result("event.offline.get", {"clear": 0, "process_id": reserved["process_id"]})
    assert gone["events"] == []
    assert api.raw("event.offline.list").json()["total"] == 0


def test_bad_clock_changes_are_refused(portal: PortalClient) -> None:
    for body, text in (
        ({"advance": "soon"}, "advance must be a number of seconds"),
        ({"set": "yesterday"}, "set: not a date and time: 'yesterday'"),
        ({"set": 1e20}, "set must lie between 1970 and 9999"),
        ({"set": 10**400}, "set must lie between 1970 and 9999"),
        ({"advance": 10**400}, "advance is out of range"),
        ({"advance": "1" * 400}, "advance is out of range"),
        ({"freeze": "yes"}, "freeze must be true or false"),
        ({"speed": 2}, "the body takes freeze, set and advance (got speed)"),
        ({}, "the body takes freeze, set and advance (got nothing)"),
    ):
        response = portal.http.put("/_b24crm/clock", json=body, headers=ADMIN)
        assert response.status_code == 400, body
        assert response.json() == {"error": "INVALID_REQUEST", "error_description": text}
    assert portal.http.put("/_b24crm/clock", json={"advance": 5}).status_code == 401
    assert portal.http.get("/_b24crm/clock", headers=ADMIN).json()["result"]["controlled"] is False


def test_another_process_on_the_database_keeps_the_same_time(
    portal: PortalClient, database: Database
) -> None:
    other_db = Database(database.url.render_as_string(hide_password=False))
    try:
        other = ControlledClock(SystemClock(), clock_control.control_of(other_db))
        assert abs(other.now() - time.time()) < 5
        _clock(portal.http, freeze=True, set=NOON)
        deadline = time.monotonic() + 5
        while other.now() != NOON and time.monotonic() < deadline:  # a notification away on PostgreSQL
            time.sleep(0.01)
        assert other.now() == NOON
        _clock(portal.http, advance=60)
        while other.now() != NOON + 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert other.now() == NOON + 60
    finally:
        clock_control.close_control(other_db)
        other_db.dispose()


def test_the_cli_moves_the_clock_of_running_servers(portal: PortalClient, database: Database) -> None:
    db_url = database.url.render_as_string(hide_password=False)
    runner = CliRunner()
    frozen = runner.invoke(cli, ["clock", "freeze", "--at", "2030-05-01T12:00:00Z", "--db", db_url])
    assert frozen.exit_code == 0, frozen.output
    assert frozen.output.strip() == "Clock: 2030-05-01T12:00:00+00:00 (frozen)"
    moved = runner.invoke(cli, ["clock", "advance", "3600", "--db", db_url])
    assert moved.output.strip() == "Clock: 2030-05-01T13:00:00+00:00 (frozen)"
    deadline = time.monotonic() + 5
    while portal.result("server.time") != "2030-05-01T13:00:00+00:00" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert portal.result("server.time") == "2030-05-01T13:00:00+00:00"
    bad = runner.invoke(cli, ["clock", "set", "whenever", "--db", db_url])
    assert bad.exit_code == 2 and "not a date and time" in bad.output
    real = runner.invoke(cli, ["clock", "real", "--db", db_url])
    assert real.exit_code == 0 and "running, +0.000 s from the real time" in real.output


def test_limits_drain_by_the_real_time_while_the_clock_is_frozen(portal: PortalClient) -> None:
    where = f"/_b24crm/portals/{portal.hook.portal.id}/limits"
    plan = {"plan": "standard", "drain": 1000, "burst": 2}
    assert portal.http.put(where, json=plan, headers=ADMIN).status_code == 200
    try:
        _clock(portal.http, freeze=True, set=NOON)
        # Two calls fill the bucket at once; a bucket on the frozen clock would never drain again.
        for _ in range(6):
            time.sleep(0.01)
            assert portal.result("server.time") == "2030-05-01T12:00:00+00:00"
    finally:
        portal.http.delete(where, headers=ADMIN)


def test_a_server_process_follows_the_clock_another_process_sets(
    portal: PortalClient, database: Database, tmp_path: Path
) -> None:
    """``b24crm serve`` in its own process on the same database: the clock this process moves is the
    one it answers by, at once (PostgreSQL: a notification away)."""
    with serve_process(database.url.render_as_string(hide_password=False), tmp_path / "data") as printed:
        url = f"http://127.0.0.1:{printed['port']}{portal.base}/server.time.json"

        def served(expected: str) -> str:
            deadline = time.monotonic() + 5
            answer = httpx.get(url).json()["result"]
            while answer != expected and time.monotonic() < deadline:
                time.sleep(0.01)
                answer = httpx.get(url).json()["result"]
            return answer  # type: ignore[no-any-return]

        _clock(portal.http, freeze=True, set=NOON)
        assert served("2030-05-01T12:00:00+00:00") == "2030-05-01T12:00:00+00:00"
        _clock(portal.http, advance=3600)
        assert served("2030-05-01T13:00:00+00:00") == "2030-05-01T13:00:00+00:00"


def test_reading_the_clock_never_queries_while_the_listener_reconnects(runtime: Runtime) -> None:
    """PostgreSQL: ``now()`` runs on the event loop, so it answers the last state known while the listener
    is away (the listener reads the row again as it reconnects), instead of a query per call."""
    control = runtime.clock_control
    if not isinstance(control, clock_control.PostgresClockControl):
        pytest.skip("SQLite reads the row by key, at most once a millisecond")
    frozen = runtime.clock.now()
    with runtime.db.write() as conn:
        clock_control.write(conn, clock_control.Control(frozen, 0.0))
    control.changed(clock_control.Control(frozen, 0.0))

    def no_query() -> None:
        raise AssertionError("the clock queried the database")

    listening, control._listening = control._listening, False
    read, control._read = control._read, no_query  # type: ignore[method-assign,assignment]
    try:
        assert [runtime.clock.now() for _ in range(3)] == [frozen] * 3
    finally:
        control._listening, control._read = listening, read  # type: ignore[method-assign]
