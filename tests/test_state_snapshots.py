"""Resetting a portal (empty or seeded, its access kept or wiped) and snapshots of a portal or the whole
server: saved and restored through the admin API and the CLI, on SQLite and PostgreSQL, from one store
into the other."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from b24crm.admin import state as admin_state
from b24crm.app import create_app
from b24crm.auth.service import NewWebhook
from b24crm.cli import cli
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import tenancy
from b24crm.store.engine import Database
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
INVALID = {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}


def _deals(portal: PortalClient) -> list[dict[str, object]]:
    answer = portal.call("crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID", "TITLE", "STAGE_ID"]})
    return answer["result"]  # type: ignore[no-any-return]


def _activities_total(portal: PortalClient) -> int:
    return int(portal.call("crm.activity.list", {"select": ["ID"]})["total"])


def _fill(portal: PortalClient) -> list[int]:
    deals = [portal.result("crm.deal.add", {"fields": {"TITLE": f"Deal {n}"}}) for n in range(3)]
    for deal in deals[:2]:
        portal.add_call(OWNER_TYPE_ID=2, OWNER_ID=deal)
    portal.result(
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": deals[0], "ENTITY_TYPE": "deal", "COMMENT": "Hi"}},
    )
    return deals


def _reset(portal: PortalClient, **body: object) -> dict[str, object]:
    response = portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/reset", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


def test_a_reset_portal_is_empty_with_its_lists_and_its_access(portal: PortalClient) -> None:
    _fill(portal)
    custom = portal.result("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Custom"}})
    assert _activities_total(portal) == 2  # remembered by the activity generation: the reset moves it
    answer = _reset(portal)
    assert answer == {
        "portal": portal.hook.portal.id,
        "to": "empty",
        "access": "keep",
        "deals": 0,
        "activities": 0,
    }
    assert _deals(portal) == [] and _activities_total(portal) == 0
    # The same webhook works; IDs start again; the default pipeline and stages are there, not the custom one.
    assert portal.result("crm.deal.add", {"fields": {"TITLE": "First again"}}) == 1
    assert _deals(portal) == [{"ID": "1", "TITLE": "First again", "STAGE_ID": "NEW"}]
    categories = portal.result("crm.category.list", {"entityTypeId": 2})["categories"]
    assert [c["id"] for c in categories] == [0] and custom["category"]["id"] != 0
    stages = portal.result("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}})
    assert [s["STATUS_ID"] for s in stages][:2] == ["NEW", "PREPARATION"]
    assert (
        portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/events", headers=ADMIN).json()["result"]
        != []
    )


def test_a_reset_that_wipes_access_gives_a_new_webhook(portal: PortalClient) -> None:
    _fill(portal)
    answer = _reset(portal, access="wipe")
    assert answer["user_id"] == 1 and str(answer["webhook"]).endswith("/")
    assert portal.error("crm.deal.list") == (401, INVALID)
    code = str(answer["webhook"]).rstrip("/").rsplit("/", 1)[1]
    fresh = PortalClient(
        portal.runtime,
        portal.http,
        NewWebhook(1, portal.hook.portal, portal.hook.user, code, ("crm", "user")),
    )
    assert fresh.result("crm.deal.list") == []
    users = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/users", headers=ADMIN).json()["result"]
    assert [(u["id"], u["name"]) for u in users] == [(1, "Admin")]


def test_a_wiping_reset_that_fails_half_way_changes_nothing(
    portal: PortalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clearing and the new admin with their webhook are one transaction: a failure in between leaves
    the portal as it was, never cleared and without a way in."""
    _fill(portal)
    before = _deals(portal)

    def failing(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(tenancy, "insert_webhook", failing)
    with pytest.raises(RuntimeError):
        admin_state.reset(portal.runtime, portal.hook.portal.id, wipe_access=True)
    assert _deals(portal) == before  # the old webhook still works, and the data is there


def test_a_seeded_reset_adds_the_seed_data(portal: PortalClient) -> None:
    _fill(portal)
    answer = _reset(portal, to="seeded", deals=12, activities=30)
    assert (answer["deals"], answer["activities"]) == (12, 30)
    assert portal.call("crm.deal.list", {"select": ["ID"]})["total"] == 12
    assert _activities_total(portal) == 30


def test_bad_resets_are_refused(portal: PortalClient, http: TestClient) -> None:
    assert http.post("/_b24crm/portals/999999/reset", json={}, headers=ADMIN).json() == {
        "error": "NOT_FOUND",
        "error_description": "Portal not found",
    }
    huge = "/_b24crm/portals/99999999999999999999"  # past the column's range: no such portal either
    assert http.post(f"{huge}/reset", json={}, headers=ADMIN).json()["error"] == "NOT_FOUND"
    assert http.get(f"{huge}/snapshot", headers=ADMIN).json()["error"] == "NOT_FOUND"
    assert (
        http.put(f"{huge}/snapshot", content=_snapshot(portal), headers=ADMIN).json()["error"] == "NOT_FOUND"
    )
    where = f"/_b24crm/portals/{portal.hook.portal.id}/reset"
    for body, text in (
        ({"to": "pristine"}, "to must be one of empty, seeded"),
        ({"access": "drop"}, "access must be keep or wipe"),
        ({"to": "seeded", "deals": "many"}, "deals must be an integer"),
        ({"to": "seeded", "deals": 10**9}, "deals and activities must lie between 0 and 100000"),
        ({"deals": 5}, "deals and activities are for to=seeded"),
    ):
        response = http.post(where, json=body, headers=ADMIN)
        assert (response.status_code, response.json()["error_description"]) == (400, text)
    assert http.post(where, json={}).status_code == 401
    assert portal.result("crm.deal.add", {"fields": {"TITLE": "Still here"}}) > 0


def _snapshot(portal: PortalClient) -> bytes:
    response = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/snapshot", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return response.content


def _restore(http: TestClient, where: str, content: bytes) -> dict[str, object]:
    response = http.put(where, content=content, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


def test_a_portal_snapshot_restores_its_state_ids_and_counters(portal: PortalClient) -> None:
    deals = _fill(portal)
    saved = _snapshot(portal)
    assert _snapshot(portal) == saved  # deterministic: the same state writes the same file
    lines = [json.loads(line) for line in saved.decode().splitlines()]
    assert (
        lines[0]["format"] == "b24crm-snapshot" and lines[0]["version"] == 1 and lines[0]["kind"] == "portal"
    )
    assert lines[1]["portal"]["id"] == portal.hook.portal.id
    assert lines[-1]["end"]["portals"] == 1
    tables = [line["table"] for line in lines if isinstance(line, dict) and "table" in line]
    assert "crm_items" in tables and "credential_generations" not in tables
    before, activities = _deals(portal), _activities_total(portal)
    # Changes after the snapshot: a deal deleted, another added, an activity more.
    portal.result("crm.deal.delete", {"id": deals[2]})
    portal.result("crm.deal.add", {"fields": {"TITLE": "After"}})
    portal.add_call(OWNER_TYPE_ID=2, OWNER_ID=deals[1])
    assert _activities_total(portal) == activities + 1
    done = _restore(portal.http, f"/_b24crm/portals/{portal.hook.portal.id}/snapshot", saved)
    assert done["portals"] == [portal.hook.portal.id] and int(done["rows"]) > 10  # type: ignore[call-overload]
    assert _deals(portal) == before
    assert _activities_total(portal) == activities  # the remembered count did not survive the restore
    # Deals number on from the counter the snapshot holds, not from the deal added after it.
    (counter,) = [line[1] for line in lines if isinstance(line, list) and line[0] == "crm_item_2"]
    assert counter >= deals[-1]
    assert portal.result("crm.deal.add", {"fields": {"TITLE": "Next"}}) == counter + 1
    assert _snapshot(portal) != saved


def test_refused_snapshots_change_nothing(portal: PortalClient) -> None:
    _fill(portal)
    saved = _snapshot(portal)
    before = _deals(portal)
    where = f"/_b24crm/portals/{portal.hook.portal.id}/snapshot"
    header, *rest = saved.decode().splitlines(keepends=True)
    newer = json.dumps({**json.loads(header), "version": 2}) + "\n"
    bad_table = '{"table":"crm_nothing","columns":["id"]}\n'
    for content, text in (
        ("".join([newer, *rest]), "snapshot format version 2; this server reads version 1"),
        ("".join([header, *rest[:-1]]), "the file ends before its end line (cut short?)"),
        ("".join([header, rest[0], bad_table, *rest[1:]]), "line 3: this server has no table 'crm_nothing'"),
        ('{"hello": 1}\n', "not a b24crm snapshot (its first line names no format b24crm-snapshot)"),
        ("not json\n", "line 1: not JSON"),
        ("".join([header, "[" * 100_000 + "\n"]), "line 2: not JSON"),  # nested past the parser's depth
    ):
        response = portal.http.put(where, content=content.encode(), headers=ADMIN)
        assert response.status_code == 400, content[:80]
        assert response.json() == {"error": "INVALID_SNAPSHOT", "error_description": text}
    assert portal.http.put(where, content=b"\xff\xfe", headers=ADMIN).json()["error"] == "INVALID_SNAPSHOT"
    # A name of a megabyte is quoted in part: the answer does not send the input back whole.
    huge_table = json.dumps({"table": "x" * 1_000_000, "columns": ["id"]}) + "\n"
    refused = portal.http.put(where, content="".join([header, rest[0], huge_table]).encode(), headers=ADMIN)
    description = refused.json()["error_description"]
    assert description.startswith("line 3: this server has no table 'xxx") and description.endswith("x…")
    assert len(description) == 500
    assert portal.http.put(where, content=saved).status_code == 401
    assert (
        portal.http.put("/_b24crm/portals/999999/snapshot", content=saved, headers=ADMIN).status_code == 404
    )
    assert _deals(portal) == before


@pytest.fixture
def other_store(request: pytest.FixtureRequest, database: Database) -> Database:
    """The store the test's ``database`` is not."""
    name = "pg_database" if database.dialect == "sqlite" else "sqlite_database"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def other_http(settings: Settings, other_store: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Runtime(settings, db=other_store)), base_url="http://testserver") as client:
        yield client


def test_a_snapshot_of_one_store_restores_into_the_other(
    portal: PortalClient, other_http: TestClient
) -> None:
    _fill(portal)
    before = _deals(portal)
    saved = _snapshot(portal)
    made = other_http.post("/_b24crm/portals", json={}, headers=ADMIN).json()["result"]
    target = made["portal"]["id"]
    done = _restore(other_http, f"/_b24crm/portals/{target}/snapshot", saved)
    assert done["portals"] == [target]
    # The restored webhook (the first store's code) now opens the other store's portal.
    there = PortalClient(portal.runtime, other_http, portal.hook)
    assert _deals(there) == before
    assert _activities_total(there) == 2
    again = other_http.get(f"/_b24crm/portals/{target}/snapshot", headers=ADMIN).content
    # The same rows, but for the portal's own identity and the generation the restore moved on.
    moved = [line for line in again.splitlines() if line.startswith(b'["crm_activity_generation"')]
    assert moved == [b'["crm_activity_generation",3]']
    assert [line for line in again.splitlines()[2:-1] if line not in moved] == [
        line for line in saved.splitlines()[2:-1] if not line.startswith(b'["crm_activity_generation"')
    ]


def test_the_cli_saves_and_restores_a_portal(
    portal: PortalClient, database: Database, tmp_path: Path
) -> None:
    db_url = database.url.render_as_string(hide_password=False)
    _fill(portal)
    before = _deals(portal)
    file = tmp_path / "fixture.jsonl"
    runner = CliRunner()
    pid = str(portal.hook.portal.id)
    saved = runner.invoke(cli, ["snapshot", "save", str(file), "--portal", pid, "--db", db_url])
    assert saved.exit_code == 0, saved.output
    assert file.read_bytes() == _snapshot(portal)
    reset = runner.invoke(cli, ["reset", "--portal", pid, "--db", db_url])
    assert reset.output.strip() == f"Portal {pid}: reset to empty (0 deals, 0 activities)"
    assert _deals(portal) == []
    restored = runner.invoke(cli, ["snapshot", "restore", str(file), "--db", db_url])
    assert restored.exit_code == 0 and f"into portal(s) {pid}" in restored.output
    assert _deals(portal) == before
    missing = runner.invoke(cli, ["snapshot", "restore", str(tmp_path / "none.jsonl"), "--db", db_url])
    assert missing.exit_code == 2 and "No such file" in missing.output
    nowhere = str(tmp_path / "no-folder" / "fixture.jsonl")
    unwritable = runner.invoke(cli, ["snapshot", "save", nowhere, "--portal", pid, "--db", db_url])
    assert unwritable.exit_code == 2 and "No such file" in unwritable.output
    # A save that fails leaves the file there before as it was, and no partial file beside it.
    kept = file.read_bytes()
    unknown = runner.invoke(cli, ["snapshot", "save", str(file), "--portal", "999999", "--db", db_url])
    assert unknown.exit_code == 2 and "no portal 999999" in unknown.output
    assert file.read_bytes() == kept
    fresh = tmp_path / "fresh.jsonl"
    runner.invoke(cli, ["snapshot", "save", str(fresh), "--portal", "999999", "--db", db_url])
    assert sorted(p.name for p in tmp_path.iterdir() if "jsonl" in p.name) == ["fixture.jsonl"]


def test_rows_the_database_refuses_are_a_clear_error(portal: PortalClient, http: TestClient) -> None:
    _fill(portal)
    saved = _snapshot(portal).decode()
    before = _deals(portal)
    where = f"/_b24crm/portals/{portal.hook.portal.id}/snapshot"
    lines = saved.splitlines(keepends=True)
    users = next(n for n, line in enumerate(lines) if line.startswith('{"table":"users"'))
    wrong_type = [*lines[: users + 1], '["one","A","","",true,true,"","",0]\n', *lines[users + 2 :]]
    response = http.put(where, content="".join(wrong_type).encode(), headers=ADMIN)
    assert response.status_code == 400  # PostgreSQL refuses the id, SQLite the webhook of no such user
    assert re.match(
        r"table (users|webhooks): rows the database refuses \(", response.json()["error_description"]
    )
    # Another portal's webhook (its code's digest is unique across portals) cannot be taken over.
    other = PortalClient.create(portal.runtime, http)
    taken = http.put(
        f"/_b24crm/portals/{other.hook.portal.id}/snapshot", content=saved.encode(), headers=ADMIN
    )
    assert taken.status_code == 400
    assert taken.json()["error_description"].startswith("table webhooks: rows the database refuses (")
    assert _deals(portal) == before and other.result("crm.deal.list") == []


def test_a_seeded_reset_under_a_frozen_clock_is_the_same_every_time(portal: PortalClient) -> None:
    assert portal.http.put(
        "/_b24crm/clock", json={"freeze": True, "set": 1_900_000_000}, headers=ADMIN
    ).is_success
    try:
        snapshots = []
        for _ in range(2):
            _reset(portal, to="seeded", deals=5, activities=10)
            snapshots.append(
                [
                    line for line in _snapshot(portal).splitlines() if b"_generation" not in line
                ]  # moved each time
            )
        assert snapshots[0] == snapshots[1]
        assert portal.call("crm.deal.list", {"select": ["ID"]})["total"] == 5
    finally:
        portal.http.delete("/_b24crm/clock", headers=ADMIN)
