"""The request log: a console line per REST call, the last calls of each portal with secrets masked."""

from __future__ import annotations

import logging
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from b24crm.app import create_app
from b24crm.cli import cli
from b24crm.cli import workbench as workbench_cli
from b24crm.devtools import free_port, wait_for_port
from b24crm.rpc.journal import MASK, mask
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


def _requests(http: TestClient, portal: int | None, after: int = 0) -> list[dict[str, Any]]:
    path = f"/_b24crm/portals/{portal}/requests" if portal else "/_b24crm/requests"
    answer = http.get(f"{path}?after={after}", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]  # type: ignore[no-any-return]


def _console(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    """The console lines so far, once there are ``count``: they leave at the end of the loop's turn."""
    deadline = time.monotonic() + 2
    while True:
        lines = [
            line for r in caplog.records if r.name == "b24crm.requests" for line in r.getMessage().split("\n")
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            assert len(lines) == count, lines
            return lines
        time.sleep(0.01)


def test_each_call_is_kept_with_its_parameters_and_answer(
    portal: PortalClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="b24crm.requests"):
        deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Logged"}})
        portal.error("crm.item.get", {"entityTypeId": 2, "id": 999999})
        lines = _console(caplog, 2)
    calls = _requests(portal.http, portal.hook.portal.id)
    assert [c["method"] for c in calls] == ["crm.deal.add", "crm.item.get"]
    added, missing = calls
    assert added["status"] == 200 and added["error"] == "" and added["answer"]["result"] == deal
    assert added["params"] == {"fields": {"TITLE": "Logged"}}
    assert added["credential"].startswith("webhook ") and added["portal"] == portal.hook.portal.id
    assert missing["status"] == 400 and missing["answer"]["error"] == missing["error"] != ""
    assert f"portal {portal.hook.portal.id} webhook" in lines[0] and " crm.deal.add 200 " in lines[0]
    assert lines[0].endswith(" ms") and f" crm.item.get 400 {missing['error']} " in lines[1]
    # ``after`` gives only what came since: what --follow asks for.
    assert [c["method"] for c in _requests(portal.http, portal.hook.portal.id, after=added["id"])] == [
        "crm.item.get"
    ]


def test_a_wrong_webhook_code_says_what_to_do(portal: PortalClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="b24crm.requests"):
        answer = portal.http.post(f"/rest/{portal.hook.user.id}/wrongcode/server.time")
        line = _console(caplog, 1)[-1]
    assert answer.status_code == 401
    assert "portal ? - server.time 401" in line and "webhook code" in line and "b24crm webhook create" in line
    kept = _requests(portal.http, None)[-1]
    assert kept["portal"] is None and "webhook code" in kept["hint"]
    assert portal.hook.portal.id not in [c["portal"] for c in _requests(portal.http, None)]


def test_secrets_and_file_contents_are_masked() -> None:
    masked = mask(
        {
            "auth": "token",
            "fields": {
                "FILES": [{"fileData": ["a.txt", "QUJD" * 100]}],
                "client_secret": "s",
                "DESCRIPTION": "x" * 5000,
            },
            "refresh_token": "r",
        }
    )
    assert masked["auth"] == MASK and masked["refresh_token"] == MASK
    assert masked["fields"]["client_secret"] == MASK
    assert masked["fields"]["FILES"][0]["fileData"] == ["a.txt", "(file content, 400 characters)"]
    assert masked["fields"]["DESCRIPTION"].endswith("(5000 characters)")


def test_an_apps_token_is_not_kept(portal: PortalClient) -> None:
    # The token reaches the log only as a parameter: it is taken out before the call is kept.
    token_call = portal.http.post("/rest/server.time", data={"auth": "not-a-token-0123"})
    assert token_call.status_code == 401
    kept = _requests(portal.http, None)[-1]
    assert "not-a-token-0123" not in str(kept)


def test_the_log_is_bounded_in_count_and_bytes(settings: Settings, database: Database) -> None:
    runtime = Runtime(settings.with_(request_log_keep=3, request_log_bytes=10_000), db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        for n in range(5):
            portal.result("crm.deal.add", {"fields": {"TITLE": f"Deal {n}"}})
        calls = _requests(http, portal.hook.portal.id)
        assert [c["params"]["fields"]["TITLE"] for c in calls] == ["Deal 2", "Deal 3", "Deal 4"]
        for _ in range(3):
            portal.result("crm.deal.add", {"fields": {"TITLE": "x" * 6000}})
        journal = runtime.workbench.journal
        assert journal is not None and journal.kept_bytes <= 10_000
        assert len(_requests(http, portal.hook.portal.id)) == 1


def test_the_newest_calls_are_chosen_before_they_are_decoded(settings: Settings, database: Database) -> None:
    runtime = Runtime(settings.with_(request_log_keep=10), db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        for n in range(5):
            portal.result("crm.deal.add", {"fields": {"TITLE": f"Deal {n}"}})
        journal = runtime.workbench.journal
        assert journal is not None
        newest = journal.calls(portal.hook.portal.id, limit=2, newest=True)
        assert [c["params"]["fields"]["TITLE"] for c in newest] == ["Deal 3", "Deal 4"]
        oldest = journal.calls(portal.hook.portal.id, limit=2)
        assert [c["params"]["fields"]["TITLE"] for c in oldest] == ["Deal 0", "Deal 1"]


def test_off_keeps_nothing(settings: Settings, database: Database) -> None:
    runtime = Runtime(settings.with_(request_log=False, request_log_keep=0), db=database)
    assert runtime.workbench.journal is None
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        portal.result("server.time")
        assert _requests(http, portal.hook.portal.id) == []


def test_the_requests_command_prints_the_calls(portal: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    portal.result("crm.deal.add", {"fields": {"TITLE": "Seen"}})

    def fetch(url: str, token: str) -> list[dict[str, Any]]:
        assert token == "admin-secret"
        path = url.split("://", 1)[1].split("/", 1)[1]
        return portal.http.get(f"/{path}", headers={"Authorization": f"Bearer {token}"}).json()["result"]  # type: ignore[no-any-return]

    monkeypatch.setattr(workbench_cli, "_fetch", fetch)
    out = (
        CliRunner()
        .invoke(cli, ["requests", "--portal", str(portal.hook.portal.id), "--admin-token", "admin-secret"])
        .output
    )
    assert " crm.deal.add 200 " in out and '"TITLE": "Seen"' in out and "answer:" in out


def test_serve_prints_a_line_per_call_and_a_hint_for_plain_http_on_tls(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "b24crm", "serve", "--db", f"sqlite:///{tmp_path / 'db'}", "--port",
             str(port), "--data-dir", str(tmp_path / "data"), "--tls"],
            stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip
        try:
            lines = {}
            assert proc.stdout is not None
            for line in proc.stdout:
                label, _, rest = line.rstrip("\n").partition(": ")
                lines[label] = rest
                if line.startswith("Serving on"):
                    break
            wait_for_port(port, proc)
            ca = lines["TLS"].split("REQUESTS_CA_BUNDLE=", 1)[1].split()[0]
            verify = ssl.create_default_context(cafile=ca)
            # A new process's first handshake on a loaded machine can take seconds: not what is tested.
            answer = httpx.get(f"{lines['Webhook']}server.time", verify=verify, timeout=60)
            assert answer.status_code == 200
            with pytest.raises(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{port}/rest/1/x/server.time", timeout=60)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "plain-HTTP" not in log.read_text():
                time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(10)
    text = log.read_text()
    assert "portal 1 webhook 1 (user 1) server.time 200" in text
    assert f"a plain-HTTP request came to this HTTPS port: call https://127.0.0.1:{port}" in text


def test_help_loads_no_runtime() -> None:
    """`b24crm --help` answers without the database layer or the methods (1.5 s before, 0.3 s now)."""
    code = (
        "import sys\nfrom b24crm.cli import main\nsys.argv = ['b24crm', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('b24crm.runtime', 'sqlalchemy', 'b24crm.methods') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_events_and_deliveries_read_as_lines(portal: PortalClient, database: Database) -> None:
    db = database.url.render_as_string(hide_password=False)
    pid = str(portal.hook.portal.id)
    runner = CliRunner()
    hook = runner.invoke(
        cli,
        ["hook-out", "create", "--db", db, "--portal", pid, "--event", "onCrmActivityAdd", "--url",
         "http://127.0.0.1:9/h"],
    )  # fmt: skip
    assert hook.exit_code == 0, hook.output
    activity = portal.add_call("Logged call")
    events = runner.invoke(cli, ["events", "--db", db, "--portal", pid]).output
    line = next(x for x in events.splitlines() if "ONCRMACTIVITYADD" in x)
    assert re.match(r"\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ONCRMACTIVITYADD user \d+: 1 pending$", line), events
    assert f'"ID": {activity}' in events or f'"ID": "{activity}"' in events
    deliveries = runner.invoke(cli, ["deliveries", "--db", db, "--portal", pid]).output
    assert re.search(r"ONCRMACTIVITYADD -> http://127\.0\.0\.1:9/h pending \(0 attempts", deliveries), (
        deliveries
    )
    payload = next(x for x in deliveries.splitlines() if x.startswith("  payload: "))
    assert '"event": "ONCRMACTIVITYADD"' in payload and f'"ID": {activity}' in payload.replace(
        '"ID": "', '"ID": '
    )
    assert '"application_token": "***"' in payload
    as_json = runner.invoke(cli, ["deliveries", "--db", db, "--portal", pid, "--json"]).output
    assert '"status": "pending"' in as_json and '"application_token": "***"' in as_json
