"""What the official clients expect of the cloud (issue 19), driven through b24pysdk unmodified against a
served b24crm: its response models and error classes are written against the real cloud."""

from __future__ import annotations

import pytest

from b24crm.runtime import Runtime
from tests.live import live_server


@pytest.fixture
def hook(runtime: Runtime):  # type: ignore[no-untyped-def]
    tenancy = runtime.tenancy
    portal = tenancy.create_portal()
    admin = tenancy.create_user(portal.id, name="Client", last_name="Test", admin=True)
    return tenancy.create_webhook(portal.id, admin.id, "crm")


def test_b24pysdk_webhook_answers(runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from b24pysdk import BitrixWebhook, Client
    from b24pysdk.schemas.app import AppInfoWebhook

    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        domain = base.removeprefix("https://")
        client = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{hook.code}"))
        info = client.app.info().response.value
        assert isinstance(info, AppInfoWebhook)
        assert (info.scope, info.license) == (["crm"], "en_ent")
        # A wrong code: the class b24pysdk files it under, with its status.
        from b24pysdk.errors import BitrixAPIInvalidCredentials

        wrong = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{'x' * 16}"))
        with pytest.raises(BitrixAPIInvalidCredentials) as refused:
            _ = wrong.server.time().response
        assert refused.value.status_code == 401
        # A method outside the webhook's scopes (the hook has crm only).
        from b24pysdk.errors import BitrixAPIInsufficientScope

        with pytest.raises(BitrixAPIInsufficientScope) as denied:
            _ = client.user.current().response
        assert denied.value.status_code == 401


def test_b24pysdk_against_the_authorization_server(  # type: ignore[no-untyped-def]
    runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b24pysdk's OAuth host pointed at ``{base}/oauth-server``: its token errors arrive as the classes it
    models (with their statuses) and its app.info parses."""
    from b24pysdk import BitrixApp, BitrixToken
    from b24pysdk.api.requesters.bitrix_oauth_requester import BitrixOAuthRequester
    from b24pysdk.errors.oauth import (
        BitrixOAuthInvalidClient,
        BitrixOAuthInvalidGrant,
        BitrixOAuthNotInstalled,
        BitrixOauthWrongClient,
    )

    made = runtime.apps.create(hook.portal.id, handler_url="https://app.test/install", scopes="crm,user")
    with runtime.db.write() as conn:
        pair = runtime.oauth.issue(conn, made.app, hook.user.id, runtime.clock.now())
    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        server = f"{base}/oauth-server"
        monkeypatch.setattr(BitrixOAuthRequester, "_OAUTH_TOKEN_URL", f"{server}/oauth/token/")
        monkeypatch.setattr(BitrixOAuthRequester, "_APP_INFO_URL", f"{server}/rest/app.info/")
        app = BitrixApp(client_id=made.app.client_id, client_secret=made.client_secret)

        info = app.get_app_info(pair.access_token).result
        assert (info.client_id, info.scope, info.user_id) == (
            made.app.client_id,
            ["crm", "user"],
            hook.user.id,
        )
        assert info.expires.timestamp() == pair.expires
        assert info.install.client_endpoint == f"{runtime.settings.base_url}/rest/"  # as the token answer
        assert (info.install.member_id, info.install.scope) == (hook.portal.member_id, ["crm", "user"])
        token = BitrixToken(
            domain=base.removeprefix("https://"),
            auth_token=pair.access_token,
            refresh_token=pair.refresh_token,
            bitrix_app=app,
        )
        assert token.get_app_info().result.client_id == made.app.client_id

        cases = [
            (
                BitrixApp(client_id="local.0000.1", client_secret=made.client_secret),
                BitrixOauthWrongClient,
                200,
            ),
            (
                BitrixApp(client_id=made.app.client_id, client_secret="WRONG12345"),
                BitrixOAuthInvalidClient,
                400,
            ),
            (app, BitrixOAuthInvalidGrant, 400),
        ]
        for client_app, error, status in cases:
            with pytest.raises(error) as raised:
                client_app.refresh_oauth_token("f" * 70)
            assert raised.value.status_code == status, error
        renewed = app.refresh_oauth_token(pair.refresh_token).oauth_token
        runtime.apps.uninstall(hook.portal.id, made.app.id)
        with pytest.raises(BitrixOAuthNotInstalled) as removed:
            app.refresh_oauth_token(renewed.refresh_token)
        assert removed.value.status_code == 401


def test_b24pysdk_crm_type_lists(runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """What b24pysdk's crm.type tests and its INVALID_ARG_VALUE error test send; the enumerations."""
    from b24pysdk import BitrixWebhook, Client
    from b24pysdk.errors import BitrixAPIInvalidArgValue

    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        domain = base.removeprefix("https://")
        client = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{hook.code}"))
        made = [client.crm.type.add(fields={"title": f"SPA {i}"}).response.result["type"] for i in range(3)]
        fields = client.crm.type.fields().response.result["fields"]
        assert {"id", "title", "entityTypeId", "isSetOpenPermissions", "updatedBy"} <= set(fields)
        one = client.crm.type.list(filter={"id": made[1]["id"]}).response.result["types"]
        assert [t["id"] for t in one] == [made[1]["id"]]
        fast = client.crm.type.list().as_list_fast(descending=True).response.result
        assert [t["id"] for t in fast] == [t["id"] for t in reversed(made)]
        owners = client.crm.enum.getorderownertypes().response.result
        assert owners == [{"attribute": "DYN", "code": "DEAL", "id": 2, "name": "Deal"}]
        assert [a["ID"] for a in client.crm.enum.addresstype().response.result] == [11, 1, 6, 4, 8, 9]
        with pytest.raises(BitrixAPIInvalidArgValue) as refused:
            _ = client.crm.type.list(filter={"non_existent_field_12345": "some_value"}).response
        assert refused.value.status_code == 400


def test_b24pysdk_scope_lists_the_clouds_scopes(  # type: ignore[no-untyped-def]
    runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from b24pysdk import BitrixWebhook, Client

    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        domain = base.removeprefix("https://")
        client = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{hook.code}"))
        full = client.scope(full=True).response.result
        # A few of the 64 scopes b24pysdk's scope test requires.
        assert {"booking", "telephony", "crm", "user.userfield", "sign.b2e", "vote"} <= set(full)
        assert client.scope().response.result == ["crm"]
