"""The command line lists and deletes what it creates (portals, users, webhooks, roles, apps, outgoing
webhooks), and so does the admin API; a deletion takes what hangs off the object with it, and every
process refuses a deleted credential at once."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from b24crm import errors
from b24crm.cli import cli
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import tables
from b24crm.store.engine import Database
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def db_url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def _run(db_url: str, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, [*args, "--db", db_url], input=input)


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _refused(resolve: Callable[[], Any]) -> bool:
    """Whether another process's cache refuses the credential, within the credential watch's delivery
    (a NOTIFY on PostgreSQL; at once on SQLite)."""
    deadline = time.monotonic() + 3
    while True:
        try:
            resolve()
        except errors.ApiError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _rows_of_portal(database: Database, portal_id: int) -> dict[str, int]:
    with database.read() as conn:
        counts = {
            t.name: conn.execute(sa.select(sa.func.count()).where(t.c.portal_id == portal_id)).scalar()
            for t in tables.metadata.sorted_tables
            if "portal_id" in t.c
        }
    return {name: n for name, n in counts.items() if n}


def test_portals_are_listed_and_deleted_with_everything_in_them(
    portal: PortalClient, database: Database, db_url: str
) -> None:
    pid = portal.hook.portal.id
    portal.result("crm.deal.add", {"fields": {"TITLE": "gone with the portal"}})
    other = Runtime(Settings(), db=database)  # another server process: its own credential cache
    resolve = lambda: other.tenancy.resolve_webhook(str(portal.hook.user.id), portal.hook.code)  # noqa: E731
    assert resolve().portal.id == pid
    listed = _run(db_url, "portal", "list", "--json")
    assert pid in [p["id"] for p in _json_lines(listed.output)]
    table = _run(db_url, "portal", "list")
    assert table.exit_code == 0 and portal.hook.portal.domain in table.output and "Portals" in table.output
    kept = _run(db_url, "portal", "delete", str(pid), input="n\n")  # asked, and refused
    assert kept.exit_code == 1 and "Delete portal" in kept.output
    assert resolve().portal.id == pid
    deleted = _run(db_url, "portal", "delete", str(pid), "--yes")
    assert (deleted.exit_code, deleted.output) == (0, f"Deleted portal: {pid}\n")
    assert _refused(resolve)
    assert portal.error("server.time")[0] == 401
    assert _rows_of_portal(database, pid) == {}
    again = _run(db_url, "portal", "delete", str(pid), "--yes")
    assert again.exit_code == 1 and f"no portal {pid}" in again.output


def test_a_deleted_user_takes_its_webhooks_tokens_and_roles(
    portal: PortalClient, database: Database, db_url: str
) -> None:
    pid = str(portal.hook.portal.id)
    made = _run(db_url, "user", "create", "--portal", pid, "--name", "Temp")
    user_id = re.search(r"User: (\d+)", made.output).group(1)  # type: ignore[union-attr]
    role = _run(db_url, "role", "create", "--portal", pid, "--name", "Reader", "--grant", "*:read=all")
    role_id = re.search(r"Role: (\d+)", role.output).group(1)  # type: ignore[union-attr]
    assert (
        _run(db_url, "role", "assign", "--portal", pid, "--user", user_id, "--role", role_id).exit_code == 0
    )
    hook = _run(db_url, "webhook", "create", "--portal", pid, "--user", user_id, "--title", "temp hook")
    code = re.search(r"/rest/\d+/(\w+)/", hook.output).group(1)  # type: ignore[union-attr]
    out = _run(db_url, "hook-out", "create", "--portal", pid, "--user", user_id, "--event", "ONCRMDEALADD")
    assert out.exit_code != 0  # --url is required
    _run(db_url, "hook-out", "create", "--portal", pid, "--user", user_id, "--event", "ONCRMDEALADD",
         "--url", "http://127.0.0.1:9/h")  # fmt: skip
    other = Runtime(Settings(), db=database)
    resolve = lambda: other.tenancy.resolve_webhook(user_id, code)  # noqa: E731
    assert resolve().user.id == int(user_id)
    users = _json_lines(_run(db_url, "user", "list", "--portal", pid, "--json").output)
    assert [u["name"] for u in users] == ["Test", "Temp"]
    assert "temp hook" in _run(db_url, "webhook", "list", "--portal", pid).output
    deleted = _run(db_url, "user", "delete", user_id, "--portal", pid, "--yes")
    assert (deleted.exit_code, deleted.output) == (0, f"Deleted user: {user_id}\n")
    assert _refused(resolve)
    assert [u["id"] for u in _json_lines(_run(db_url, "user", "list", "--portal", pid, "--json").output)] == [
        1
    ]
    assert _json_lines(_run(db_url, "webhook", "list", "--portal", pid, "--json").output)[0]["user_id"] == 1
    assert _json_lines(_run(db_url, "hook-out", "list", "--portal", pid, "--json").output) == []
    with database.read() as conn:
        roles = tables.crm_user_roles.c  # users are numbered per portal: other tests' portals have a user 2
        assigned = sa.select(sa.func.count()).where(
            roles.portal_id == int(pid), roles.user_id == int(user_id)
        )
        assert conn.execute(assigned).scalar() == 0
    portal.result("server.time")  # the portal's other users and webhooks stay


def test_a_role_is_assigned_only_to_a_user_of_the_portal(portal: PortalClient, db_url: str) -> None:
    pid = str(portal.hook.portal.id)
    role = _run(db_url, "role", "create", "--portal", pid, "--name", "Reader", "--grant", "*:read=all")
    role_id = re.search(r"Role: (\d+)", role.output).group(1)  # type: ignore[union-attr]
    other_pid = re.search(r"Portal: (\d+)", _run(db_url, "portal", "create").output)[1]  # type: ignore[index]
    made = [_run(db_url, "user", "create", "--portal", other_pid).output for _ in range(3)]
    stranger = re.search(r"User: (\d+)", made[-1])[1]  # type: ignore[index]
    for user_id in ("5", stranger):  # no user, and a user of another portal only
        refused = _run(db_url, "role", "assign", "--portal", pid, "--user", user_id, "--role", role_id)
        assert refused.exit_code == 1, refused.output
        assert f"no user {user_id} on portal {pid}" in refused.output
    missing_role = _run(db_url, "role", "assign", "--portal", pid, "--user", "1", "--role", "999")
    assert missing_role.exit_code == 1 and f"no role 999 on portal {pid}" in missing_role.output
    with portal.runtime.db.read() as conn:
        of_portal = tables.crm_user_roles.c.portal_id == int(pid)  # other tests' portals have their own
        assert conn.execute(sa.select(sa.func.count()).where(of_portal)).scalar() == 0
    given = _run(db_url, "role", "assign", "--portal", pid, "--user", "1", "--role", role_id)
    assert (given.exit_code, given.output) == (0, f"User 1: role {role_id}\n")


def test_roles_webhooks_and_outgoing_webhooks(portal: PortalClient, db_url: str) -> None:
    pid = str(portal.hook.portal.id)
    role = _run(
        db_url, "role", "create", "--portal", pid, "--name", "[red]Sales[/red]", "--grant", "*:read=own"
    )
    role_id = re.search(r"Role: (\d+)", role.output).group(1)  # type: ignore[union-attr]
    table = _run(db_url, "role", "list", "--portal", pid).output
    assert "[red]Sales[/red]" in table  # shown as text, never read as markup
    assert [
        r["name"] for r in _json_lines(_run(db_url, "role", "list", "--portal", pid, "--json").output)
    ] == [
        "Default",
        "[red]Sales[/red]",
    ]
    assert (
        _run(db_url, "role", "delete", role_id, "--portal", pid, "--yes").output
        == f"Deleted role: {role_id}\n"
    )
    assert len(_json_lines(_run(db_url, "role", "list", "--portal", pid, "--json").output)) == 1
    made = _run(
        db_url, "hook-out", "create", "--portal", pid, "--event", "ONCRMDEALADD", "--url", "http://h.test/"
    )
    handler = re.search(r"Handler: (\d+)", made.output).group(1)  # type: ignore[union-attr]
    (listed,) = _json_lines(_run(db_url, "hook-out", "list", "--portal", pid, "--json").output)
    assert (listed["url"], "application_token" in listed) == ("http://h.test/", False)
    assert _run(db_url, "hook-out", "delete", handler, "--portal", pid, "--yes").exit_code == 0
    assert _json_lines(_run(db_url, "hook-out", "list", "--portal", pid, "--json").output) == []
    webhook = str(portal.hook.id)
    assert _run(db_url, "webhook", "delete", webhook, "--portal", pid, "--yes").exit_code == 0
    assert portal.error("server.time")[0] == 401
    for thing, object_id in (("role", role_id), ("hook-out", handler), ("webhook", webhook), ("user", "77")):
        missing = _run(db_url, thing, "delete", object_id, "--portal", pid, "--yes")
        assert missing.exit_code == 1 and "no " in missing.output, (thing, missing.output)


def test_a_deleted_app_takes_its_tokens_placements_and_handlers(
    portal: PortalClient, database: Database, db_url: str
) -> None:
    pid = portal.hook.portal.id
    runtime = portal.runtime
    made = runtime.apps.create(pid, handler_url="http://app.test/", scopes="crm,placement", title="Gone")
    app = made.app
    with runtime.db.write() as conn:
        pair = runtime.oauth.issue(conn, app, portal.hook.user.id, runtime.clock.now())
    bearer = {"Authorization": f"Bearer {pair.access_token}"}
    bound = portal.http.post(
        "/rest/placement.bind", json={"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": "http://app.test/tab"},
        headers=bearer,
    )  # fmt: skip
    assert bound.status_code == 200, bound.text
    event = {"event": "ONCRMDEALADD", "handler": "http://app.test/ev"}
    assert portal.http.post("/rest/event.bind", json=event, headers=bearer).status_code == 200
    other = Runtime(Settings(), db=database)
    assert other.oauth.resolve(pair.access_token).portal.id == pid
    apps = _json_lines(_run(db_url, "app", "list", "--portal", str(pid), "--json").output)
    assert [(a["id"], a["title"], a["installed"]) for a in apps] == [(app.id, "Gone", True)]
    assert "Gone" in _run(db_url, "app", "list", "--portal", str(pid)).output
    deleted = _run(db_url, "app", "delete", str(app.id), "--portal", str(pid), "--yes")
    assert (deleted.exit_code, deleted.output) == (0, f"Deleted application: {app.id}\n")
    assert _refused(lambda: other.oauth.resolve(pair.access_token))
    assert portal.http.post("/rest/profile", headers=bearer).status_code == 401
    left = _rows_of_portal(database, pid)
    for table in ("apps", "oauth_tokens", "placements", "event_handlers"):
        assert table not in left, left
    # ONAPPUNINSTALL was written for the handlers the app had, as an uninstall writes it
    events = portal.http.get(f"/_b24crm/portals/{pid}/events", headers=ADMIN).json()["result"]
    assert "ONAPPUNINSTALL" in [e["event"] for e in events]
    assert _run(db_url, "app", "delete", str(app.id), "--portal", str(pid), "--yes").exit_code == 1


def test_the_admin_api_lists_roles_and_deletes_users_roles_handlers_and_apps(portal: PortalClient) -> None:
    pid, http = portal.hook.portal.id, portal.http
    runtime = portal.runtime
    user = runtime.tenancy.create_user(pid, name="Temp")
    hook = runtime.tenancy.create_webhook(pid, user.id, ("crm",))
    temp = portal.with_webhook(user.id, ("crm",))
    temp.result("server.time")
    assert http.delete(f"/_b24crm/portals/{pid}/users/{user.id}", headers=ADMIN).json() == {"result": True}
    assert temp.error("server.time")[0] == 401  # at once, in this process too
    assert hook.id not in [
        w["id"] for w in http.get(f"/_b24crm/portals/{pid}/webhooks", headers=ADMIN).json()["result"]
    ]
    with runtime.db.write() as conn:
        from b24crm.crm.permissions import create_role

        role_id = create_role(conn, pid, name="R", permissions={})
    roles = http.get(f"/_b24crm/portals/{pid}/roles", headers=ADMIN).json()["result"]
    assert [r["name"] for r in roles] == ["Default", "R"]
    assert http.delete(f"/_b24crm/portals/{pid}/roles/{role_id}", headers=ADMIN).status_code == 200
    from b24crm.events import hooks

    out = hooks.create(runtime.db, pid, event="ONCRMDEALADD", url="http://h.test/", user_id=1, now=0.0)
    assert http.delete(f"/_b24crm/portals/{pid}/handlers/{out.id}", headers=ADMIN).status_code == 200
    app = runtime.apps.create(pid, handler_url="http://app.test/", scopes="crm").app
    assert http.delete(f"/_b24crm/portals/{pid}/apps/{app.id}?delete=1", headers=ADMIN).status_code == 200
    assert http.get(f"/_b24crm/portals/{pid}/apps", headers=ADMIN).json()["result"] == []
    for path in (f"users/{user.id}", f"roles/{role_id}", f"handlers/{out.id}", f"apps/{app.id}?delete=1"):
        missing = http.delete(f"/_b24crm/portals/{pid}/{path}", headers=ADMIN)
        assert (missing.status_code, missing.json()["error"]) == (404, "NOT_FOUND"), path
