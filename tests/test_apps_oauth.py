"""Applications and OAuth 2.0: creating an app installs it (ONAPPINSTALL with tokens), the
authorization-code and refresh grants with their lifetimes and errors, the tokens' use on REST calls
(expired, invalid, out of scope) and app.info."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from b24crm.apps.service import NewApp
from b24crm.auth.secrets import digest
from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from b24crm.store import apps as apps_store
from tests.apps_support import code_for, code_grant, grant
from tests.client import AppClient, PortalClient


def _app(app_portal: PortalClient, url: str, scopes: str = "crm,placement", **kw: object) -> NewApp:
    return app_portal.runtime.apps.create(app_portal.hook.portal.id, handler_url=url, scopes=scopes, **kw)  # type: ignore[arg-type]


def test_creating_an_app_posts_onappinstall_with_working_tokens(
    app_portal: PortalClient, clocked_http: TestClient, receiver: EventReceiver
) -> None:
    made = _app(app_portal, receiver.url)
    assert made.app.client_id.startswith("local.")
    assert deliver_due(app_portal.runtime, app_portal.hook.portal.id) == 1
    (call,) = receiver.calls
    form = call["form"]
    assert call["type"] == "application/x-www-form-urlencoded"
    assert form["event"] == "ONAPPINSTALL"
    assert form["data[VERSION]"] == "1"
    assert form["data[ACTIVE]"] == "Y"
    assert form["data[INSTALLED]"] == "Y"
    assert form["data[LANGUAGE_ID]"] == "en"
    assert form["auth[application_token]"] == made.app.application_token
    assert form["auth[expires_in]"] == "3600"
    assert form["auth[scope]"] == "crm,placement"
    assert form["auth[member_id]"] == app_portal.hook.portal.member_id
    assert form["auth[domain]"] == app_portal.hook.portal.domain
    assert form["auth[client_endpoint]"] == "http://127.0.0.1:8024/rest/"
    assert form["auth[server_endpoint]"] == "http://127.0.0.1:8024/rest/"
    assert form["auth[status]"] == "L"
    assert form["auth[refresh_token]"]
    app = AppClient(app_portal.runtime, clocked_http, form["auth[access_token]"])
    info = app.result("app.info")
    assert info["ID"] == made.app.id
    assert info["CODE"] == made.app.client_id
    assert info["INSTALLED"] is True
    assert info["STATUS"] == "L"
    assert app.result("crm.deal.add", {"fields": {"TITLE": "From the app"}}) > 0


def test_the_authorization_code_flow_and_its_rules(
    app_portal: PortalClient, clocked_http: TestClient, clock: ManualClock
) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app")
    query = code_for(clocked_http, made)
    assert query["state"] == ["xyz"]
    assert query["domain"] == [app_portal.hook.portal.domain]
    assert query["member_id"] == [app_portal.hook.portal.member_id]
    assert query["scope"] == ["crm,placement"]
    assert query["server_domain"] == ["127.0.0.1:8024"]
    answer = grant(clocked_http, made, query["code"][0])
    assert answer["expires_in"] == 3600
    assert answer["expires"] == int(clock.now()) + 3600
    assert answer["member_id"] == app_portal.hook.portal.member_id
    assert answer["user_id"] == app_portal.hook.user.id
    assert answer["scope"] == "crm,placement"
    assert answer["status"] == "L"
    assert answer["client_endpoint"] == "http://127.0.0.1:8024/rest/"
    assert answer["server_endpoint"] == "http://127.0.0.1:8024/rest/"
    assert answer["domain"] == "127.0.0.1:8024"
    assert set(answer) == {
        "access_token",
        "expires",
        "expires_in",
        "scope",
        "domain",
        "server_endpoint",
        "status",
        "client_endpoint",
        "member_id",
        "user_id",
        "refresh_token",
    }
    # A code is good once.
    response = clocked_http.get("/oauth/token/", params=code_grant(made, query["code"][0]))
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})
    # And lives 30 seconds.
    late = code_for(clocked_http, made)["code"][0]
    clock.advance(31)
    response = clocked_http.get("/oauth/token/", params=code_grant(made, late))
    assert response.json()["error"] == "invalid_grant"


def test_refresh_rotates_the_refresh_token_and_keeps_the_old_access_token_for_its_hour(
    app_portal: PortalClient, clocked_http: TestClient, clock: ManualClock
) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app")
    first = grant(clocked_http, made, code_for(clocked_http, made)["code"][0])
    refresh = {
        "grant_type": "refresh_token",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
        "refresh_token": first["refresh_token"],
    }
    clock.advance(600)
    # b24jssdk sends the refresh as a form POST.
    response = clocked_http.post(
        "/oauth/token/",
        content="&".join(f"{k}={v}" for k, v in refresh.items()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["expires"] == int(clock.now()) + 3600
    again = clocked_http.get("/oauth/token/", params=refresh)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    old, new = (
        AppClient(app_portal.runtime, clocked_http, str(first["access_token"])),
        AppClient(app_portal.runtime, clocked_http, str(second["access_token"])),
    )
    assert old.result("app.info")["ID"] == made.app.id
    clock.advance(3000)  # the first token's hour is over, the second's is not
    assert old.error("app.info") == (
        401,
        {"error": "expired_token", "error_description": "The access token provided has expired."},
    )
    assert new.result("app.info")["ID"] == made.app.id
    # A refresh token lives 180 days.
    clock.advance(180 * 86400)
    late = clocked_http.get("/oauth/token/", params={**refresh, "refresh_token": second["refresh_token"]})
    assert late.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "body"),
    [
        ({"client_secret": "wrong"}, {"error": "invalid_client"}),
        # An unknown client is a 200 answer (b24pysdk: BitrixOauthWrongClient).
        ({"client_id": "local.0000.1"}, {"error": "wrong_client"}),
        ({"grant_type": "password"}, {"error": "unsupported_grant_type"}),
        (
            {"grant_type": ""},
            {
                "error": "invalid_request",
                "error_description": "Invalid grant_type parameter or parameter missing",
            },
        ),
        ({"refresh_token": "nope"}, {"error": "invalid_grant"}),
        (
            {"refresh_token": ""},
            {"error": "invalid_request", "error_description": 'No "refresh_token" parameter found'},
        ),
    ],
)
def test_token_endpoint_errors(
    app_portal: PortalClient, clocked_http: TestClient, change: dict[str, str], body: dict[str, str]
) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app")
    grant(clocked_http, made, code_for(clocked_http, made)["code"][0])
    query = {
        "grant_type": "refresh_token",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
        "refresh_token": "x",
        **change,
    }
    response = clocked_http.get("/oauth/token/", params=query)
    status = 200 if body["error"] == "wrong_client" else 400
    assert (response.status_code, response.json()) == (status, body)


def test_token_endpoint_refuses_a_removed_app_and_a_wider_scope(
    app_portal: PortalClient, clocked_http: TestClient
) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app")
    tokens = grant(clocked_http, made, code_for(clocked_http, made)["code"][0])
    refresh = {
        "grant_type": "refresh_token",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
        "refresh_token": tokens["refresh_token"],
    }
    wider = clocked_http.get("/oauth/token/", params={**refresh, "scope": "crm,telephony"})
    assert (wider.status_code, wider.json()) == (
        403,
        {
            "error": "INVALID_SCOPE",
            "error_description": "Given scope exceeds permissions associated with given grant",
        },
    )
    app_portal.runtime.apps.uninstall(made.app.portal_id, made.app.id)
    removed = clocked_http.get("/oauth/token/", params=refresh)
    assert (removed.status_code, removed.json()) == (
        401,
        {"error": "NOT_INSTALLED", "error_description": "Application not installed"},
    )
    # A wrong secret still reads as a wrong secret.
    wrong = clocked_http.get("/oauth/token/", params={**refresh, "client_secret": "x"})
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_client"})


def test_tokens_on_rest_calls(app_portal: PortalClient, clocked_http: TestClient) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app", scopes="placement")
    token = str(grant(clocked_http, made, code_for(clocked_http, made)["code"][0])["access_token"])
    app = AppClient(app_portal.runtime, clocked_http, token)
    for form in ("json", "form", "get"):
        assert app.result("app.info", form=form)["CODE"] == made.app.client_id
    # The token may also come as a Bearer header or as access_token, where the vendor looks for it too.
    by_header = clocked_http.get("/rest/app.info", headers={"Authorization": f"Bearer {token}"})
    assert by_header.json()["result"]["ID"] == made.app.id
    assert clocked_http.get(f"/rest/app.info?access_token={token}").json()["result"]["ID"] == made.app.id
    status, body = app.error("crm.deal.list")
    assert (status, body) == (
        401,
        {
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token",
        },
    )
    status, body = AppClient(app_portal.runtime, clocked_http, "f" * 70).error("app.info")
    assert (status, body) == (
        401,
        {"error": "invalid_token", "error_description": "Unable to get application by token"},
    )
    # A webhook has no application: its scopes and the license, as the cloud answers (b24pysdk's model).
    assert app_portal.result("app.info") == {"SCOPE": ["crm"], "LICENSE": "en_ent"}


def test_an_app_with_an_interface_is_installed_when_the_install_finishes(
    app_portal: PortalClient, clocked_http: TestClient
) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app", has_ui=True)
    app = AppClient(
        app_portal.runtime,
        clocked_http,
        str(grant(clocked_http, made, code_for(clocked_http, made)["code"][0])["access_token"]),
    )
    assert app.result("app.info")["INSTALLED"] is False
    app_portal.runtime.apps.finish_install(app_portal.hook.portal.id, made.app.id)
    assert app.result("app.info")["INSTALLED"] is True


def test_uninstalled_apps_tokens_stop_working(app_portal: PortalClient, clocked_http: TestClient) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app")
    token = str(grant(clocked_http, made, code_for(clocked_http, made)["code"][0])["access_token"])
    app = AppClient(app_portal.runtime, clocked_http, token)
    assert app.result("app.info")
    app_portal.runtime.apps.uninstall(app_portal.hook.portal.id, made.app.id)
    status, body = app.error("app.info")
    assert (status, body["error"]) == (401, "invalid_token")
    response = clocked_http.get(
        "/oauth/authorize/", params={"client_id": made.app.client_id}, follow_redirects=False
    )
    assert (response.status_code, response.json()) == (400, {"error": "invalid_client"})


def test_dead_tokens_are_purged(
    app_portal: PortalClient, clocked_http: TestClient, clock: ManualClock
) -> None:
    made = _app(app_portal, "http://127.0.0.1:9/app")
    live = grant(clocked_http, made, code_for(clocked_http, made)["code"][0])
    runtime = app_portal.runtime
    with runtime.db.write() as conn:
        event = runtime.oauth.issue(conn, made.app, app_portal.hook.user.id, clock.now(), with_refresh=False)
    assert event.refresh_token == ""
    clock.advance(3601)
    runtime.oauth.purge(clock.now())
    # The event token (no refresh token) is gone; the pair whose refresh token still lives stays.
    with runtime.db.read() as conn:
        assert apps_store.token_by_access(conn, digest(event.access_token)) is None
        assert apps_store.token_by_access(conn, digest(live["access_token"])) is not None
    refreshed = clocked_http.get(
        "/oauth/token/",
        params={
            "grant_type": "refresh_token",
            "client_id": made.app.client_id,
            "client_secret": made.client_secret,
            "refresh_token": live["refresh_token"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text


def test_generated_credentials_have_the_vendors_form(app_portal: PortalClient) -> None:
    """b24pysdk's configuration takes only letters, digits and dots in a client id, secret or token."""
    for _ in range(20):
        made = _app(app_portal, "http://127.0.0.1:9/app")
        assert re.fullmatch(r"[A-Za-z0-9]{50}", made.client_secret), made.client_secret
        assert re.fullmatch(r"local\.[0-9a-f]{14}\.[0-9]{8}", made.app.client_id)


def test_the_authorization_servers_app_info(
    app_portal: PortalClient, clocked_http: TestClient, clock: ManualClock
) -> None:
    """``/oauth-server/rest/app.info/``: the authorization server's own app.info (b24pysdk's
    BitrixToken.get_app_info), beside the portal's method of that name."""
    made = _app(app_portal, "http://127.0.0.1:9/app")
    tokens = grant(clocked_http, made, code_for(clocked_http, made)["code"][0])
    answer = clocked_http.get("/oauth-server/rest/app.info/", params={"auth": tokens["access_token"]})
    assert answer.status_code == 200
    portal = app_portal.hook.portal
    assert answer.json()["result"] == {
        "client_id": made.app.client_id,
        "scope": "crm,placement",
        "expires": "2026-01-01T01:00:00+00:00",
        "install": {
            "installed": True,
            "version": 1,
            "status": "L",
            "scope": "crm,placement",
            "domain": portal.domain,
            "uri": "http://127.0.0.1:8024",
            "client_endpoint": "http://127.0.0.1:8024/rest/",
            "member_id": portal.member_id,
            "member_type": "company",
        },
        "user_id": made.app.installed_by,
    }
    assert {"start", "finish", "duration", "date_start", "date_finish"} <= set(answer.json()["time"])
    # The portal's method keeps its own answer at the portal's address.
    assert clocked_http.get("/rest/app.info/", params={"auth": tokens["access_token"]}).json()["result"]["ID"]
    # The token endpoint answers there too.
    refresh = {
        "grant_type": "refresh_token",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
        "refresh_token": tokens["refresh_token"],
    }
    assert "access_token" in clocked_http.get("/oauth-server/oauth/token/", params=refresh).json()
    refused = [
        clocked_http.get("/oauth-server/rest/app.info/"),
        clocked_http.get("/oauth-server/rest/app.info/", params={"auth": "f" * 70}),
    ]
    assert [(r.status_code, r.json()) for r in refused] == [
        (401, {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}),
        (400, {"error": "invalid_client"}),
    ]
    clock.advance(3601)
    late = clocked_http.get("/oauth-server/rest/app.info/", params={"auth": tokens["access_token"]})
    assert (late.status_code, late.json()) == (
        401,
        {"error": "expired_token", "error_description": "The access token provided has expired."},
    )
