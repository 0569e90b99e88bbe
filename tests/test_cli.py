"""The b24crm command line, including `serve` as a real process."""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from b24crm import errors
from b24crm.auth.secrets import digest
from b24crm.cli import cli
from b24crm.cli import serve as serve_command
from b24crm.cli.serve import ADMIN_TOKEN_FILE, DEMO_HOOK_FILE, _admin_token
from b24crm.clock import SystemClock
from b24crm.devtools import serve_process
from b24crm.http.tls import ensure_tls
from b24crm.methods import load_methods
from b24crm.runtime import Runtime
from b24crm.secret_files import write_secret
from b24crm.settings import Settings
from b24crm.store import apps as apps_store
from b24crm.store.engine import Database
from b24crm.store.migrate import MIGRATIONS

serving = serve_process


@pytest.fixture
def db_url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def test_serve_on_an_empty_database_prints_a_working_webhook(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with serving(db_url, tmp_path / "data") as lines:
        webhook = lines["Webhook"]
        assert re.fullmatch(rf"http://127\.0\.0\.1:{lines['port']}/rest/1/[a-z0-9]{{16}}/", webhook)
        answer = httpx.get(f"{webhook}server.time").json()
        assert answer["result"].startswith("20")
        assert httpx.get(f"{webhook}user.current").json()["result"]["NAME"] == "Demo"
        token = re.search(r"Bearer (\S+)\)", lines["Admin"])
        assert token
        portals = httpx.get(
            f"http://127.0.0.1:{lines['port']}/_b24crm/portals",
            headers={"Authorization": f"Bearer {token.group(1)}"},
        ).json()["result"]
        assert [p["domain"] for p in portals] == ["demo.b24crm.local"]
        pages = lines["Pages"].split(" ", 1)[0]
        assert pages == f"http://127.0.0.1:{lines['port']}/ui/"
        assert httpx.get(pages, follow_redirects=True).status_code == 200  # to the sign-in page
    # A restart on the same database prints the same webhook and admin token and creates no second portal.
    with serving(db_url, tmp_path / "data") as again:
        assert again["Webhook"].split("/rest/")[1] == webhook.split("/rest/")[1]
        assert httpx.get(f"{again['Webhook']}server.time").status_code == 200
        assert re.search(r"Bearer (\S+)\)", again["Admin"]).group(1) == token.group(1)  # type: ignore[union-attr]
        portals = httpx.get(
            f"http://127.0.0.1:{again['port']}/_b24crm/portals",
            headers={"Authorization": f"Bearer {token.group(1)}"},
        )
        assert portals.status_code == 200 and len(portals.json()["result"]) == 1
    for name in (ADMIN_TOKEN_FILE, DEMO_HOOK_FILE):  # secrets: for the owner's eyes only
        assert (tmp_path / "data" / name).stat().st_mode & 0o777 == 0o600, name
    assert (tmp_path / "data" / ADMIN_TOKEN_FILE).read_text().strip() == token.group(1)


def test_serve_on_a_busy_port_says_so_before_printing_or_making_anything(tmp_path: Path) -> None:
    database, data = tmp_path / "second.db", tmp_path / "data"
    with socket.socket() as first:
        first.bind(("127.0.0.1", 0))
        first.listen()
        port = first.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "b24crm",
            "serve",
            "--db",
            f"sqlite:///{database}",
            "--port",
            str(port),
        ]
        done = subprocess.run([*command, "--data-dir", str(data)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""  # no webhook, no admin token that would lead to the other server
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "another server listens" in done.stderr
    assert not database.exists() and not data.exists()


def test_serve_on_a_port_out_of_range_says_so(tmp_path: Path) -> None:
    database = tmp_path / "out.db"
    command = [sys.executable, "-m", "b24crm", "serve", "--db", f"sqlite:///{database}", "--port", "99999"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot listen on 127.0.0.1:99999: ports are 0-65535" in done.stderr
    assert not database.exists()


def test_the_admin_token_is_kept_in_the_data_directory_unless_set(tmp_path: Path) -> None:
    kept = Settings(data_dir=str(tmp_path / "data"))
    made = _admin_token(kept)
    path = tmp_path / "data" / ADMIN_TOKEN_FILE
    assert len(made) >= 32 and path.read_text() == f"{made}\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert _admin_token(kept) == made
    path.chmod(0o644)  # opened up by someone: closed again when read
    assert _admin_token(kept) == made and path.stat().st_mode & 0o777 == 0o600
    # B24CRM_ADMIN_TOKEN (or --admin-token) wins, and leaves the kept one alone.
    assert _admin_token(Settings(data_dir=str(tmp_path / "data"), admin_token="given")) == "given"
    assert path.read_text() == f"{made}\n"
    assert _admin_token(Settings(data_dir=str(tmp_path / "other"), admin_token="given")) == "given"
    assert not (tmp_path / "other").exists()


def test_serve_with_tls_prints_how_to_trust_it(tmp_path: Path) -> None:
    with serving(f"sqlite:///{tmp_path / 'tls.db'}", tmp_path / "data", "--tls") as lines:
        assert lines["Webhook"].startswith("https://127.0.0.1:")
        ca = re.search(r"REQUESTS_CA_BUNDLE=(\S+)", lines["TLS"])
        assert ca and Path(ca.group(1)).exists()
        answer = httpx.get(
            f"{lines['Webhook']}server.time", verify=ssl.create_default_context(cafile=ca.group(1))
        )
        assert answer.status_code == 200


def test_db_upgrade_portal_user_webhook_create(db_url: str) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade", "--db", db_url])
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert upgraded.exit_code == 0 and f"revision {head}" in upgraded.output
    portal = runner.invoke(cli, ["portal", "create", "--db", db_url, "--tz", "Europe/Berlin"])
    assert portal.exit_code == 0, portal.output
    portal_id = re.search(r"Portal: (\d+)", portal.output).group(1)  # type: ignore[union-attr]
    bad_zone = runner.invoke(cli, ["portal", "create", "--db", db_url, "--tz", "Mars/Base"])
    assert bad_zone.exit_code == 1 and "unknown time zone" in bad_zone.output
    user = runner.invoke(
        cli, ["user", "create", "--db", db_url, "--portal", portal_id, "--name", "Ann", "--admin"]
    )
    assert user.output.strip() == "User: 1"
    hook = runner.invoke(
        cli,
        ["webhook", "create", "--db", db_url, "--portal", portal_id, "--user", "1", "--scope", "crm,user"],
    )
    assert re.fullmatch(r"Webhook: http://127\.0\.0\.1:8024/rest/1/[a-z0-9]{16}/\n", hook.output)
    missing = runner.invoke(cli, ["webhook", "create", "--db", db_url, "--portal", portal_id, "--user", "99"])
    assert missing.exit_code == 1


def test_webhook_revoke(db_url: str, database: Database) -> None:
    runner = CliRunner()
    pid = re.search(r"Portal: (\d+)", runner.invoke(cli, ["portal", "create", "--db", db_url]).output).group(
        1
    )  # type: ignore[union-attr]
    runner.invoke(cli, ["user", "create", "--db", db_url, "--portal", pid, "--admin"])
    made = runner.invoke(cli, ["webhook", "create", "--db", db_url, "--portal", pid, "--user", "1"]).output
    user_id, code = re.search(r"/rest/(\d+)/(\w+)/", made).groups()  # type: ignore[union-attr]
    tenancy = Runtime(Settings(), db=database, clock=SystemClock()).tenancy
    assert tenancy.resolve_webhook(user_id, code).portal.id == int(pid)
    revoked = runner.invoke(cli, ["webhook", "revoke", "--db", db_url, "--portal", pid, "--webhook", "1"])
    assert (revoked.exit_code, revoked.output) == (0, "Revoked webhook: 1\n")
    tenancy.invalidate()  # this test's own cache; test_revocation.py shows other processes need none
    with pytest.raises(errors.ApiError, match="INVALID_CREDENTIALS"):
        tenancy.resolve_webhook(user_id, code)
    again = runner.invoke(cli, ["webhook", "revoke", "--db", db_url, "--portal", pid, "--webhook", "1"])
    assert again.exit_code == 1 and "no webhook 1" in again.output


def test_methods_lists_the_registry() -> None:
    output = CliRunner().invoke(cli, ["methods"]).output.split()
    assert output == [spec.name for spec in load_methods()]
    assert "server.time" in output and "batch" in output


def test_hook_out_mail_and_events_commands(db_url: str) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["portal", "create", "--db", db_url])
    assert made.exit_code == 0, made.output
    portal_id = re.search(r"Portal: (\d+)", made.output) or re.search(r"(\d+)", made.output)
    assert portal_id
    pid = portal_id.group(1)
    user = runner.invoke(cli, ["user", "create", "--db", db_url, "--portal", pid, "--admin"])
    assert user.exit_code == 0, user.output
    hook = runner.invoke(
        cli,
        [
            "hook-out",
            "create",
            "--db",
            db_url,
            "--portal",
            pid,
            "--event",
            "onCrmActivityAdd",
            "--url",
            "http://127.0.0.1:9/h",
        ],
    )
    assert hook.exit_code == 0, hook.output
    assert re.search(r"Handler: \d+ ONCRMACTIVITYADD -> http://127\.0\.0\.1:9/h", hook.output)
    assert re.search(r"application_token: [0-9a-f]{32}", hook.output)
    bad = runner.invoke(
        cli, ["hook-out", "create", "--db", db_url, "--portal", pid, "--event", "X", "--url", "nope"]
    )
    assert bad.exit_code == 1
    for command in ("mail", "events"):
        listed = runner.invoke(cli, [command, "--db", db_url, "--portal", pid])
        assert listed.exit_code == 0 and listed.output.strip() == "", listed.output


def test_app_commands(db_url: str, database: Database) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["portal", "create", "--db", db_url])
    pid = re.search(r"Portal: (\d+)", made.output).group(1)  # type: ignore[union-attr]
    runner.invoke(cli, ["user", "create", "--db", db_url, "--portal", pid, "--admin"])
    base = ["--db", db_url, "--portal", pid]
    created = runner.invoke(
        cli,
        ["app", "create", *base, "--handler", "http://app.test/install", "--scope", "crm,placement", "--ui"],
    )
    assert created.exit_code == 0, created.output
    app_id = re.search(r"App: (\d+) installed=no", created.output).group(1)  # type: ignore[union-attr]
    assert re.search(r"client_id: local\.[0-9a-f]{14}\.\d{8}", created.output)
    assert re.search(r"client_secret: \S{20,}", created.output)
    assert "/oauth/authorize/?client_id=local." in created.output
    assert '"installed": false' in runner.invoke(cli, ["app", "list", "--json", *base]).output
    assert runner.invoke(cli, ["app", "finish", *base, "--app", app_id]).exit_code == 0
    assert '"installed": true' in runner.invoke(cli, ["app", "list", "--json", *base]).output
    expired = runner.invoke(cli, ["app", "expire-tokens", *base, "--app", app_id])
    assert expired.exit_code == 0 and "Expired tokens: 0" in expired.output
    runtime = Runtime(Settings(), db=database)
    app = runtime.apps.get(int(pid), int(app_id))
    with runtime.db.write() as conn:
        pairs = [runtime.oauth.issue(conn, app, 1, runtime.clock.now()) for _ in range(2)]
    revoked = runner.invoke(cli, ["app", "revoke-tokens", *base, "--app", app_id])
    assert (revoked.exit_code, revoked.output) == (0, "Revoked tokens: 2\n")
    with runtime.db.read() as conn:
        for pair in pairs:  # access and refresh tokens alike
            assert apps_store.token_by_access(conn, digest(pair.access_token)) is None
            assert apps_store.token_by_refresh(conn, digest(pair.refresh_token)) is None
    assert runner.invoke(cli, ["app", "revoke-tokens", *base, "--app", "99"]).exit_code == 1
    assert runner.invoke(cli, ["app", "uninstall", *base, "--app", app_id]).exit_code == 0
    assert '"active": false' in runner.invoke(cli, ["app", "list", "--json", *base]).output
    assert runner.invoke(cli, ["app", "uninstall", *base, "--app", app_id]).exit_code == 1
    bad = runner.invoke(cli, ["app", "create", *base, "--handler", "nope"])
    assert bad.exit_code == 1


def _plain(output: str) -> str:
    """The output without rich's box and line wrapping, to look for a sentence in it."""
    return " ".join(re.sub("[\u2500-\u257f]", " ", output).split())


@pytest.mark.parametrize(
    "command",
    [
        ["user", "create", "--portal", "99999999999999999999"],
        ["user", "create", "--portal", "1", "--role", "1", "--role", "99999999999999999999"],
        ["role", "assign", "--portal", "1", "--user", str(2**31), "--role", "1"],
        ["webhook", "create", "--portal", "1", "--user", "-99999999999999999999"],
        ["app", "finish", "--portal", "1", "--app", "99999999999999999999"],
        ["mail", "--portal", "1", "--after", "99999999999999999999"],
    ],
)
def test_an_id_past_the_columns_range_is_a_bad_option_not_a_traceback(
    db_url: str, command: list[str]
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["portal", "create", "--db", db_url]).exit_code == 0
    refused = runner.invoke(cli, [*command, "--db", db_url])
    assert refused.exit_code == 2 and isinstance(refused.exception, SystemExit), refused.output
    assert "is outside the range of ids (-2147483648..2147483647)" in _plain(refused.output)
    # The largest id is still an id: looked for, and not found.
    missing = runner.invoke(
        cli, ["webhook", "revoke", "--db", db_url, "--portal", "1", "--webhook", str(2**31 - 1)]
    )
    assert missing.exit_code == 1 and f"no webhook {2**31 - 1}" in missing.output


def test_serve_closes_its_socket_and_runtime_when_migration_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sockets: list[socket.socket] = []
    listening = serve_command._listening_socket

    def keep(host: str, port: int) -> socket.socket:
        sockets.append(listening(host, port))
        return sockets[-1]

    def fail(self: Runtime) -> None:
        raise RuntimeError("migration failed")

    closed: list[Runtime] = []
    close = Runtime.close

    def track(self: Runtime) -> None:
        closed.append(self)
        close(self)

    monkeypatch.setattr(serve_command, "_listening_socket", keep)
    monkeypatch.setattr(Runtime, "migrate", fail)
    monkeypatch.setattr(Runtime, "close", track)
    database = f"sqlite:///{tmp_path / 'serve.db'}"
    ran = CliRunner().invoke(cli, ["serve", "--db", database, "--port", "0", "--data-dir", str(tmp_path)])
    assert isinstance(ran.exception, RuntimeError) and ran.exit_code == 1
    assert len(sockets) == 1 and sockets[0].fileno() == -1  # closed
    assert len(closed) == 1


def test_a_secret_that_cannot_be_written_leaves_nothing_aside(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()  # the secret's name is a directory: moving the file there fails
    with pytest.raises(OSError):
        write_secret(tmp_path / "taken", "token\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    write_secret(tmp_path / "kept", "token\n")
    assert (tmp_path / "kept").read_text() == "token\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept", "taken"]


def test_the_tls_key_is_private_from_its_creation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("a key made readable and closed afterwards")

    monkeypatch.setattr(Path, "chmod", no_chmod)
    monkeypatch.setattr("os.chmod", no_chmod)
    old = os.umask(0)  # nothing narrowed by the umask: the mode given at creation is the one the key has
    try:
        files = ensure_tls(tmp_path / "tls")
    finally:
        os.umask(old)
    assert files.key.stat().st_mode & 0o777 == 0o600
    assert files.key.read_bytes().startswith(b"-----BEGIN")
    assert sorted(p.name for p in (tmp_path / "tls").iterdir()) == [
        "ca.pem",
        "names",
        "server.key",
        "server.pem",
    ]
