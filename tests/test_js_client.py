"""b24jssdk (the official JavaScript client), unmodified, against a live server: its B24OAuth refreshes
an expired token with a form POST to /oauth/token/ and retries the call.

Needs Node.js and ``tests/js/node_modules`` (``make test`` installs it with npm); without them the test is
skipped with the reason, unless ``B24CRM_REQUIRE_JS=1`` (CI), where that is an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from b24crm.runtime import Runtime
from tests.live import live_server

JS = Path(__file__).resolve().parent / "js"


def _node() -> str:
    node = shutil.which("node")
    missing = None if node else "node is not installed"
    if node and not (JS / "node_modules" / "@bitrix24" / "b24jssdk").is_dir():
        missing = "tests/js/node_modules is missing (run `make test`, which installs it with npm)"
    if missing:
        message = f"b24jssdk test skipped: {missing}"
        if os.environ.get("B24CRM_REQUIRE_JS") == "1":
            pytest.fail(message.replace("skipped", "required (B24CRM_REQUIRE_JS=1)"))
        pytest.skip(message)
    assert node is not None
    return node


def _run(node: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [node, str(JS / "oauth_refresh.mjs"), *args], capture_output=True, text=True, timeout=60, cwd=JS
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_b24jssdk_refreshes_an_expired_token_with_a_form_post(runtime: Runtime) -> None:
    node = _node()
    tenancy = runtime.tenancy
    portal = tenancy.create_portal()
    admin = tenancy.create_user(portal.id, name="JS", admin=True)
    made = runtime.apps.create(portal.id, handler_url="http://app.test/install", scopes="crm")
    with runtime.db.write() as conn:
        pair = runtime.oauth.issue(conn, made.app, admin.id, runtime.clock.now())
    with live_server(runtime) as (base, _files):
        credentials = (base, made.app.client_id, made.client_secret, pair.access_token, pair.refresh_token)

        def call(method: str, params: dict[str, object]) -> dict[str, object]:
            """One B24OAuth client, made afresh with the first token pair, calling ``method``."""
            return _run(node, *credentials, str(pair.expires), portal.member_id, method, json.dumps(params))

        added = call("crm.deal.add", {"fields": {"TITLE": "From JS"}})
        assert added["ok"] is True and added["refreshed"] == []
        runtime.apps.expire_tokens(portal.id, made.app.id)
        got = call("crm.deal.get", {"id": added["result"]})
        assert got["ok"] is True
        assert got["result"]["TITLE"] == "From JS"  # type: ignore[index]
        (fresh,) = got["refreshed"]  # type: ignore[misc]
        assert fresh != pair.access_token
        # The refresh token is spent now: a second client holding it cannot refresh.
        again = call("crm.deal.get", {"id": added["result"]})
        assert again["ok"] is False and again["refreshed"] == []
