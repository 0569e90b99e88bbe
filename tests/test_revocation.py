"""Credentials changed by one process are refused by every other at once: revoked webhooks, ended, revoked
or uninstalled tokens, deactivated users, deleted portals, whichever path made the change.

"Another process" is a second ``Database`` and ``Runtime`` on the same database (its own credential
caches, its own PostgreSQL listener), and for the command line a real subprocess. The clocks do not move,
so a cache entry's own time (10 s) never runs out here: a refusal can only come from the credential watch.
On PostgreSQL the other process learns of a change by a notification, which takes a moment to arrive:
those checks wait for it, for at most two seconds.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.apps.oauth import TokenPair
from b24crm.apps.service import NewApp
from b24crm.auth.service import NewWebhook
from b24crm.clock import ManualClock
from b24crm.errors import ApiError
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.credential_watch import APPLICATION_NAME, PostgresWatch
from b24crm.store.engine import Database
from b24crm.store.tables import credential_generations, users

# A webhook URL that does not hold, as the vendor's webhook check answers it.
INVALID = {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}

NOTIFICATION_WAIT = 2.0  # PostgreSQL: how long a notification may take to reach the other process


@dataclass
class Two:
    """``a`` makes the changes; ``b`` serves calls through ``http`` with caches of its own."""

    a: Runtime
    b: Runtime
    http: TestClient

    def after_change(self, call: Callable[[], httpx.Response], status: int) -> httpx.Response:
        """The other process's answer right after a change: its very next one on SQLite; on PostgreSQL
        the first with ``status`` once the notification has arrived."""
        deadline = time.monotonic() + (NOTIFICATION_WAIT if self.b.db.dialect == "postgresql" else 0)
        while True:
            response = call()
            if response.status_code == status or time.monotonic() >= deadline:
                return response
            time.sleep(0.005)

    def webhook(self, scopes: str = "crm") -> NewWebhook:
        portal = self.a.tenancy.create_portal()
        admin = self.a.tenancy.create_user(portal.id, name="Ann", admin=True)
        return self.a.tenancy.create_webhook(portal.id, admin.id, scopes)

    def app_with_tokens(self, hook: NewWebhook) -> tuple[NewApp, TokenPair]:
        made = self.a.apps.create(hook.portal.id, handler_url="http://127.0.0.1:9/app", scopes="crm")
        with self.a.db.write() as conn:
            pair = self.a.oauth.issue(conn, made.app, hook.user.id, self.a.clock.now())
        return made, pair


def _path(hook: NewWebhook, method: str = "server.time") -> str:
    return f"/rest/{hook.user.id}/{hook.code}/{method}"


@pytest.fixture
def two(settings: Settings, database: Database) -> Iterator[Two]:
    clock = ManualClock(time.time() + 60)  # ahead of the system clock: see the command-line test
    other = Database(database.url.render_as_string(hide_password=False))
    try:
        a = Runtime(settings, db=database, clock=clock)
        b = Runtime(settings, db=other, clock=clock)
        with TestClient(create_app(b), base_url="http://testserver") as http:
            yield Two(a, b, http)
    finally:
        other.dispose()


def test_a_webhook_revoked_by_another_process_is_refused_at_once(two: Two) -> None:
    hook = two.webhook()
    assert two.http.get(_path(hook)).status_code == 200
    assert two.b.tenancy.cached_webhook(str(hook.user.id), hook.code) is not None  # b answers from its cache
    assert two.a.tenancy.delete_webhook(hook.portal.id, hook.id)
    refused = two.after_change(lambda: two.http.get(_path(hook)), 401)
    unknown = two.http.get(f"/rest/{hook.user.id}/{'0' * 16}/server.time")
    assert (refused.status_code, refused.json()) == (unknown.status_code, unknown.json())
    assert refused.json() == INVALID


def test_a_user_changed_by_plain_sql_elsewhere_counts_both_ways(two: Two) -> None:
    """Deactivated: refused at once; active again: accepted at once, though b had cached the refusal."""
    hook = two.webhook("crm,user")
    assert two.http.get(_path(hook)).status_code == 200
    where = (users.c.portal_id == hook.portal.id, users.c.id == hook.user.id)
    with two.a.db.write() as conn:  # no service, no in-process invalidation: only the triggers know
        conn.execute(users.update().where(*where).values(active=False))
    assert two.after_change(lambda: two.http.get(_path(hook)), 401).status_code == 401
    with pytest.raises(ApiError, match="authorization_error"):
        two.b.tenancy.cached_webhook(str(hook.user.id), hook.code)  # the refusal is cached now
    with two.a.db.write() as conn:
        conn.execute(users.update().where(*where).values(active=True, name="Anna"))
    answer = two.after_change(lambda: two.http.get(_path(hook, "user.current")), 200)
    assert answer.status_code == 200 and answer.json()["result"]["NAME"] == "Anna"


def test_tokens_expired_by_the_command_line_are_expired_at_once(two: Two) -> None:
    """``b24crm app expire-tokens`` in a process of its own, as the README has it: "now"."""
    hook = two.webhook()
    made, pair = two.app_with_tokens(hook)
    call = lambda: two.http.get(f"/rest/app.info?auth={pair.access_token}")  # noqa: E731
    assert call().status_code == 200
    assert two.b.oauth.cached(pair.access_token) is not None
    url = two.a.db.url.render_as_string(hide_password=False)
    portal, app = str(hook.portal.id), str(made.app.id)
    command = [
        sys.executable,
        "-m",
        "b24crm",
        "app",
        "expire-tokens",
        "--db",
        url,
        "--portal",
        portal,
        "--app",
        app,
    ]
    # The subprocess ends the tokens at the system's now, which the runtimes' clock (a minute ahead) has
    # passed, and b's clock stands still: the cache entry's own time cannot run out meanwhile.
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Expired tokens: 1" in done.stdout, done.stderr
    expired = two.after_change(call, 401)
    assert (expired.status_code, expired.json()["error"]) == (401, "expired_token")


def test_tokens_revoked_elsewhere_are_unknown_tokens_at_once(two: Two) -> None:
    hook = two.webhook()
    made, pair = two.app_with_tokens(hook)
    call = lambda: two.http.get(f"/rest/app.info?auth={pair.access_token}")  # noqa: E731
    assert call().status_code == 200
    assert two.a.apps.revoke_tokens(hook.portal.id, made.app.id) == 1
    revoked = two.after_change(call, 401)
    unknown = two.http.get(f"/rest/app.info?auth={'f' * 70}")
    assert (revoked.status_code, revoked.json()) == (unknown.status_code, unknown.json())
    assert revoked.json()["error"] == "invalid_token"
    refresh = {
        "grant_type": "refresh_token",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
    }
    spent = two.http.get("/oauth/token/", params={**refresh, "refresh_token": pair.refresh_token})
    never = two.http.get("/oauth/token/", params={**refresh, "refresh_token": "f" * 70})
    assert (
        (spent.status_code, spent.json())
        == (never.status_code, never.json())
        == (400, {"error": "invalid_grant"})
    )


def test_an_app_uninstalled_elsewhere_loses_its_tokens_at_once(two: Two) -> None:
    hook = two.webhook()
    made, pair = two.app_with_tokens(hook)
    call = lambda: two.http.get(f"/rest/app.info?auth={pair.access_token}")  # noqa: E731
    assert call().status_code == 200
    two.a.apps.uninstall(hook.portal.id, made.app.id)
    assert two.after_change(call, 401).json()["error"] == "invalid_token"


def test_a_deleted_portals_id_given_again_does_not_revive_its_webhook(two: Two) -> None:
    """SQLite gives the highest deleted ID to the next portal; its counter must not match the old one's."""
    hook = two.webhook()
    assert two.http.get(_path(hook)).status_code == 200
    assert two.a.tenancy.delete_portal(hook.portal.id)
    again = two.a.tenancy.create_portal()
    if two.a.db.dialect == "sqlite":
        assert again.id == hook.portal.id  # the case this test is about
    assert two.after_change(lambda: two.http.get(_path(hook)), 401).status_code == 401


def test_the_generation_moves_with_what_a_credential_reflects_only(two: Two) -> None:
    """Updates and deletions of portals, users, webhooks, apps and access tokens move it; new rows and a
    refresh grant (the old access token lives on) leave every cache as it was."""
    hook = two.webhook()
    portal_id = hook.portal.id

    def generation() -> int:
        with two.a.db.read() as conn:
            stmt = sa.select(credential_generations.c.value).where(
                credential_generations.c.portal_id == portal_id
            )
            return int(conn.execute(stmt).scalar_one())

    before = generation()
    two.a.tenancy.create_user(portal_id, name="New")
    made, pair = two.app_with_tokens(hook)  # an app, a token pair, an ONAPPINSTALL event
    grant = {
        "grant_type": "refresh_token",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
        "refresh_token": pair.refresh_token,
    }
    assert two.http.get("/oauth/token/", params=grant).status_code == 200
    assert generation() == before
    changes: list[Callable[[], object]] = [
        lambda: two.a.apps.expire_tokens(portal_id, made.app.id),
        lambda: two.a.apps.revoke_tokens(portal_id, made.app.id),
        lambda: two.a.apps.uninstall(portal_id, made.app.id),
        lambda: two.a.tenancy.delete_webhook(portal_id, hook.id),
    ]
    for change in changes:
        moved_from = generation()
        change()
        assert generation() > moved_from, change


def test_a_lost_listener_leaves_the_cache_unused_until_it_is_back(two: Two) -> None:
    """PostgreSQL: while b's listener is down, notifications pass it by; so its cache is not used, and
    once it listens again nothing cached before the outage is trusted."""
    if two.b.db.dialect != "postgresql":
        pytest.skip("SQLite reads the counter on every cached call; there is no listener to lose")
    watch = two.b.db.credential_watch()
    assert isinstance(watch, PostgresWatch)
    kept, changed = two.webhook(), two.webhook()
    for hook in (kept, changed):
        assert two.http.get(_path(hook)).status_code == 200
    assert watch.listening
    gate = threading.Event()
    connect = watch._connect
    watch._connect = lambda: gate.wait(30) and connect()  # type: ignore[method-assign]
    try:
        url = two.a.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                (APPLICATION_NAME,),
            )
        deadline = time.monotonic() + 5
        while watch.listening and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not watch.listening
        # The owner of ``changed`` is deactivated while nobody tells b.
        with two.a.db.write() as conn:
            conn.execute(
                users.update()
                .where(users.c.portal_id == changed.portal.id, users.c.id == changed.user.id)
                .values(active=False)
            )
        assert two.b.tenancy.cached_webhook(str(kept.user.id), kept.code) is None  # cache unused...
        assert two.http.get(_path(kept)).status_code == 200  # ...but the database still answers
    finally:
        gate.set()
    deadline = time.monotonic() + 5
    while not watch.listening and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watch.listening
    assert two.http.get(_path(changed)).status_code == 401  # the entry from before the outage is void
    assert two.http.get(_path(kept)).status_code == 200
    assert two.b.tenancy.cached_webhook(str(kept.user.id), kept.code) is not None  # cached again
