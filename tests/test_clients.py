"""The official clients, unmodified, against a real server on loopback."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from b24crm.runtime import Runtime
from tests.live import live_server


@pytest.fixture
def hook(runtime: Runtime):  # type: ignore[no-untyped-def]
    tenancy = runtime.tenancy
    portal = tenancy.create_portal()
    admin = tenancy.create_user(portal.id, name="Client", last_name="Test", admin=True)
    for i in range(60):
        tenancy.create_user(portal.id, name=f"Member{i}")
    return tenancy.create_webhook(portal.id, admin.id, "crm,user")


def test_fast_bitrix24_calls_server_time_and_batch(runtime: Runtime, hook) -> None:  # type: ignore[no-untyped-def]
    from fast_bitrix24 import Bitrix

    with live_server(runtime) as (base, _):
        bitrix = Bitrix(hook.url(base), verbose=False)
        # call() wraps even a single call in batch, keyed "order0000000000" with an __order parameter.
        assert bitrix.call("server.time", {}, raw=True)["result"].startswith("20")
        found = bitrix.call("method.get", {"name": "server.time"})
        # The client keys a dict answer by its own batch label; the answer inside is ours.
        assert found == {"order0000000000": {"isExisting": True, "isAvailable": True}}
        # A one-row list answer comes back unwrapped to the row.
        assert bitrix.call("user.get", {"ID": 2})["ID"] == "2"
        batch = bitrix.call_batch({"halt": 0, "cmd": {"t": "server.time", "me": "user.current"}})
        assert batch["me"]["NAME"] == "Client"
        users = bitrix.get_all("user.get", {"FILTER": {"ACTIVE": "Y"}})
        assert len(users) == 61
        assert sorted(int(u["ID"]) for u in users) == list(range(1, 62))


def test_a_raw_form_encoded_client(runtime: Runtime, hook) -> None:  # type: ignore[no-untyped-def]
    with live_server(runtime) as (base, _):
        url = hook.url(base)
        response = httpx.post(f"{url}server.time", data={})
        assert response.status_code == 200
        assert response.json()["result"].startswith("20")
        batch = httpx.post(
            f"{url}batch",
            content="halt=0&cmd%5Bt%5D=server.time&cmd%5Bu%5D=user.get%3FFILTER%255BID%255D%3D2",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ).json()["result"]
        assert list(batch["result"]) == ["t", "u"]
        assert [u["ID"] for u in batch["result"]["u"]] == ["2"]


def test_b24pysdk_over_tls(runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from b24pysdk import BitrixWebhook, Client

    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        domain = base.removeprefix("https://")
        webhook = BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{hook.code}")
        client = Client(webhook)
        server_time = client.server.time().response
        assert datetime.fromisoformat(server_time.result).year >= 2024
        assert server_time.time.duration >= 0
        batch = client.call_batch({"t": client.server.time(), "u": client.user.current()}).response
        assert batch.result.result["u"]["ID"] == str(hook.user.id)
        # The keys b24pysdk's own user.current test requires.
        assert {"TIMESTAMP_X", "LAST_ACTIVITY_DATE"} <= set(batch.result.result["u"])
        raw = webhook.call_batch({"t": ("server.time", {}), "p": ("profile", {})})
        assert raw["result"]["result"]["p"]["ID"] == str(hook.user.id)
        assert set(raw["result"]) == {"result", "result_error", "result_total", "result_next", "result_time"}
        # The CA is what makes it work: without it the certificate is refused.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        untrusted = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{hook.code}"))
        with pytest.raises(Exception, match=r"(?i)ssl|certificate"):
            _ = untrusted.server.time().response


def test_b24pysdk_app_token_refreshes_on_expired_token(
    runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """b24pysdk's BitrixApp/BitrixToken: a call with an expired token gets 401 expired_token, the SDK
    refreshes at /oauth/token/ (GET, its hard-coded host pointed here) and retries."""
    from b24pysdk import BitrixApp, BitrixToken
    from b24pysdk.api.requesters.bitrix_oauth_requester import BitrixOAuthRequester

    made = runtime.apps.create(hook.portal.id, handler_url="https://app.test/install", scopes="crm")
    with runtime.db.write() as conn:
        pair = runtime.oauth.issue(conn, made.app, hook.user.id, runtime.clock.now())
    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        monkeypatch.setattr(BitrixOAuthRequester, "_OAUTH_TOKEN_URL", f"{base}/oauth/token/")
        app = BitrixApp(client_id=made.app.client_id, client_secret=made.client_secret)

        def sdk_token() -> BitrixToken:
            return BitrixToken(
                domain=base.removeprefix("https://"),
                auth_token=pair.access_token,
                refresh_token=pair.refresh_token,
                expires=datetime.fromtimestamp(pair.expires).astimezone(),
                expires_in=3600,
                bitrix_app=app,
            )

        token = sdk_token()
        deal = token.call_method("crm.deal.add", {"fields": {"TITLE": "By the app"}})["result"]
        assert runtime.apps.expire_tokens(hook.portal.id, made.app.id) >= 1
        # The token is still valid by the SDK's clock: only the server's expired_token makes it refresh.
        got = token.call_method("crm.deal.get", {"id": deal})
        assert got["result"]["TITLE"] == "By the app"
        assert token.auth_token != pair.access_token
        assert token.refresh_token != pair.refresh_token
        # The spent refresh token is refused as the cloud refuses it.
        stale = sdk_token()
        from b24pysdk.errors.oauth import BitrixOAuthInvalidGrant

        with pytest.raises(BitrixOAuthInvalidGrant):
            stale.call_method("crm.deal.get", {"id": deal})
