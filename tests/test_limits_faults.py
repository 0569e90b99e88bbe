"""Faults on demand: rules that make matching REST calls fail with a vendor error, a proxy's page or a
delay; every time, the next N, or drawn from a seed; set through the admin API or the CLI, applied by
every server process at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from b24crm.admin.workbench import MAX_FAULT_RULES
from b24crm.app import create_app
from b24crm.cli import cli
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


def _add(portal: PortalClient, **rule: Any) -> dict[str, Any]:
    answer = portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/faults", json=rule, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()["result"]  # type: ignore[no-any-return]


def test_a_vendor_error_for_the_next_calls_of_a_method(portal: PortalClient) -> None:
    _add(portal, effect="QUERY_LIMIT_EXCEEDED", method="crm.deal.*", times=2)
    portal.result("server.time")  # another method: untouched
    expected = (503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
    assert portal.error("crm.deal.list") == expected
    assert portal.error("crm.deal.add", {"fields": {"TITLE": "x"}}) == expected
    portal.result("crm.deal.list")  # the two are spent
    listed = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/faults", headers=ADMIN).json()
    assert [(r["seen"], r["fired"]) for r in listed["result"]] == [(2, 2)]


def test_each_effect(portal: PortalClient) -> None:
    for effect, status, code in (
        ("OPERATION_TIME_LIMIT", 429, "OPERATION_TIME_LIMIT"),
        ("expired_token", 401, "expired_token"),
        ("INTERNAL_SERVER_ERROR", 500, "INTERNAL_SERVER_ERROR"),
    ):
        _add(portal, effect=effect, method="profile", times=1)
        got_status, body = portal.error("profile")
        assert (got_status, body["error"]) == (status, code)
    _add(portal, effect="bad_gateway", method="profile", times=1)
    page = portal.raw("profile")
    assert page.status_code == 502 and page.headers["content-type"] == "text/html"
    assert "502 Bad Gateway" in page.text
    _add(portal, effect="latency", method="profile", latency_ms=200, times=1)
    began = time.monotonic()
    assert portal.result("profile")["ID"] == str(portal.hook.user.id)
    assert time.monotonic() - began >= 0.2


def test_matching_by_form_and_credential(portal: PortalClient) -> None:
    other = portal.with_webhook(portal.hook.user.id, ("crm",))
    _add(portal, effect="INTERNAL_SERVER_ERROR", form="oauth")
    portal.result("server.time")  # webhooks are not oauth
    mine = f"{portal.hook.portal.id}:webhook:{portal.hook.id}"
    _add(portal, effect="INTERNAL_SERVER_ERROR", credential=mine)
    assert portal.error("server.time")[0] == 500
    other.result("server.time")


def test_a_seed_fails_the_same_calls(settings: Settings, database: Database) -> None:
    outcomes = []
    for _ in range(2):
        runtime = Runtime(settings, db=database)
        with TestClient(create_app(runtime), base_url="http://testserver") as http:
            portal = PortalClient.create(runtime, http, scopes=("crm",))
            _add(portal, effect="INTERNAL_SERVER_ERROR", probability=0.5, seed=42)
            outcomes.append([portal.raw("server.time").status_code for _ in range(20)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 500}


def test_a_rule_reaches_every_process_at_once(settings: Settings, database: Database) -> None:
    first = Runtime(settings, db=database)
    second = Runtime(settings, db=database)
    with (
        TestClient(create_app(first), base_url="http://testserver") as one,
        TestClient(create_app(second), base_url="http://testserver") as two,
    ):
        portal = PortalClient.create(first, one, scopes=("crm",))
        there = PortalClient(second, two, portal.hook)
        there.result("server.time")  # cached there without rules
        _add(portal, effect="INTERNAL_SERVER_ERROR")
        deadline = time.monotonic() + 2  # PostgreSQL: the notification
        while there.raw("server.time").status_code == 200:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert portal.http.delete(f"/_b24crm/portals/{portal.hook.portal.id}/faults", headers=ADMIN).json()[
            "result"
        ] == {"removed": 1}
        deadline = time.monotonic() + 2
        while there.raw("server.time").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.01)


@pytest.mark.parametrize(
    "rule",
    [
        {"effect": "nope"},
        {"effect": "latency"},
        {"effect": "latency", "latency_ms": 10**9},
        {"effect": "INTERNAL_SERVER_ERROR", "probability": 0},
        {"effect": "INTERNAL_SERVER_ERROR", "times": 0},
        {"effect": "INTERNAL_SERVER_ERROR", "form": "ftp"},
        {"effect": "INTERNAL_SERVER_ERROR", "method": 5},
        {"effect": "INTERNAL_SERVER_ERROR", "method": "crm.\x00"},
        {"effect": "INTERNAL_SERVER_ERROR", "credential": "hook\x00"},
    ],
)
def test_bad_rules_are_refused(portal: PortalClient, rule: dict[str, Any]) -> None:
    answer = portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/faults", json=rule, headers=ADMIN)
    assert answer.status_code == 400, answer.text


def test_the_fault_commands(portal: PortalClient, database: Database) -> None:
    db = database.url.render_as_string(hide_password=False)
    pid = str(portal.hook.portal.id)
    runner = CliRunner()
    made = runner.invoke(
        cli, ["fault", "add", "--db", db, "--portal", pid, "--effect", "expired_token", "--times", "1"]
    )
    assert made.exit_code == 0 and "Fault: " in made.output, made.output
    assert portal.error("server.time")[0] == 401
    listed = runner.invoke(cli, ["fault", "list", "--db", db, "--portal", pid]).output
    assert '"effect": "expired_token"' in listed and '"fired": 1' in listed
    assert "Removed: 1" in runner.invoke(cli, ["fault", "clear", "--db", db, "--portal", pid]).output
    assert runner.invoke(cli, ["fault", "add", "--db", db, "--portal", pid, "--effect", "x"]).exit_code != 0


def test_a_portal_holds_a_bounded_number_of_rules(portal: PortalClient) -> None:
    for _ in range(MAX_FAULT_RULES):
        _add(portal, effect="INTERNAL_SERVER_ERROR", method="never.called")
    where = f"/_b24crm/portals/{portal.hook.portal.id}/faults"
    answer = portal.http.post(where, json={"effect": "INTERNAL_SERVER_ERROR"}, headers=ADMIN)
    assert answer.status_code == 400
    assert answer.json()["error_description"] == "a portal holds up to 100 fault rules of each target"
    _add(portal, target="event", effect="drop", event="ONCRMDEALADD")  # the other target's own bound
    assert portal.http.delete(where, headers=ADMIN).json()["result"] == {"removed": MAX_FAULT_RULES + 1}


def test_deleting_a_rule_that_is_not_there_is_not_found(portal: PortalClient) -> None:
    where = f"/_b24crm/portals/{portal.hook.portal.id}/faults"
    for rule_id in (999_999, 99_999_999_999_999_999_999):  # the second past the column's range
        answer = portal.http.delete(f"{where}/{rule_id}", headers=ADMIN)
        assert (answer.status_code, answer.json()["error_description"]) == (404, "Fault rule not found")
