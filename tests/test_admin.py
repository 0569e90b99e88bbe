"""The /_b24crm/ admin namespace."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from b24crm.runtime import Runtime
from tests.apps_support import install
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


def test_admin_needs_the_token(http: TestClient) -> None:
    assert http.get("/_b24crm/portals").status_code == 401
    assert http.get("/_b24crm/portals", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/_b24crm/portals", headers=ADMIN).status_code == 200
    assert http.get("/_b24crm/portals", headers={"X-B24CRM-Admin-Token": "admin-secret"}).status_code == 200


def test_the_token_in_the_query_string_is_not_accepted(http: TestClient) -> None:
    """Access logs, proxies and browser histories keep query strings."""
    for path in ("/_b24crm/portals?token=admin-secret", "/_b24crm/?token=admin-secret"):
        response = http.get(path)
        assert (response.status_code, response.json()["error"]) == (401, "NO_AUTH_FOUND"), path
    assert http.post("/_b24crm/portals?token=admin-secret", json={}).status_code == 401


def test_admin_answers_carry_no_cors_headers(portal: PortalClient) -> None:
    """A web page must not be able to read the admin namespace; REST answers keep the vendor's headers."""
    http = portal.http
    answers = [
        http.get("/_b24crm/portals", headers=ADMIN),
        http.get("/_b24crm/portals", headers={**ADMIN, "Origin": "https://evil.example"}),
        http.get("/_b24crm/portals"),  # refused
        http.post("/_b24crm/portals", headers={**ADMIN, "Content-Type": "application/json"}, content="["),
        http.get("/_b24crm/portals/99999", headers=ADMIN),  # not found
        http.options("/_b24crm/portals", headers={"Origin": "https://evil.example"}),  # a preflight
    ]
    assert [r.status_code for r in answers] == [200, 200, 401, 400, 404, 405]
    for response in answers:
        assert not [h for h in response.headers if h.lower().startswith("access-control-")], response.headers
    assert portal.raw("server.time").headers["access-control-allow-origin"] == "*"


def test_revoke_a_webhook(portal: PortalClient) -> None:
    http, portal_id = portal.http, portal.hook.portal.id
    assert portal.raw("server.time").status_code == 200
    revoked = http.delete(f"/_b24crm/portals/{portal_id}/webhooks/{portal.hook.id}", headers=ADMIN)
    assert (revoked.status_code, revoked.json()) == (200, {"result": True})
    refused = portal.raw("server.time")
    assert (refused.status_code, refused.json()) == (
        401,
        {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"},
    )
    assert http.get(f"/_b24crm/portals/{portal_id}/webhooks", headers=ADMIN).json()["result"] == []
    for path in (f"{portal.hook.id}", "99", "99999999999999999999"):
        again = http.delete(f"/_b24crm/portals/{portal_id}/webhooks/{path}", headers=ADMIN)
        assert (again.status_code, again.json()["error"]) == (404, "NOT_FOUND"), path
    assert http.delete(f"/_b24crm/portals/{portal_id}/webhooks/1").status_code == 401


def test_revoke_an_apps_tokens(portal: PortalClient) -> None:
    http, portal_id = portal.http, portal.hook.portal.id
    app = install(portal, "http://127.0.0.1:9/app", scopes="crm")
    other = install(portal, "http://127.0.0.1:9/other", scopes="crm")
    assert app.api.result("app.info")["ID"] == app.id
    revoked = http.post(f"/_b24crm/portals/{portal_id}/apps/{app.id}/revoke-tokens", headers=ADMIN)
    assert (revoked.status_code, revoked.json()) == (200, {"result": {"revoked": 1}})
    status, body = app.api.error("app.info")
    assert (status, body["error"]) == (401, "invalid_token")
    refresh = http.get(
        "/oauth/token/",
        params={
            "grant_type": "refresh_token",
            "client_id": app.made.app.client_id,
            "client_secret": app.made.client_secret,
            "refresh_token": app.tokens["refresh_token"],
        },
    )
    assert (refresh.status_code, refresh.json()) == (400, {"error": "invalid_grant"})
    assert other.api.result("app.info")["ID"] == other.id  # only that app's tokens
    missing = http.post(f"/_b24crm/portals/{portal_id}/apps/99/revoke-tokens", headers=ADMIN)
    assert (missing.status_code, missing.json()["error"]) == (404, "NOT_FOUND")


def test_inspect_portals_users_and_webhooks(portal: PortalClient) -> None:
    http = portal.http
    portal_id = portal.hook.portal.id
    listed = http.get("/_b24crm/portals", headers=ADMIN).json()["result"]
    assert portal_id in [p["id"] for p in listed]
    detail = http.get(f"/_b24crm/portals/{portal_id}", headers=ADMIN).json()["result"]
    assert detail["domain"] == portal.hook.portal.domain
    assert detail["users"] == [
        {
            "id": 1,
            "name": "Test",
            "last_name": "Admin",
            "email": "admin@example.com",
            "active": True,
            "is_admin": True,
            "time_zone": "",
        }
    ]
    assert detail["webhooks"] == [
        {"id": 1, "user_id": 1, "title": "", "active": True, "scopes": ["crm", "user"]}
    ]
    # Secrets never leave the server, not even their digests.
    assert portal.hook.code not in http.get(f"/_b24crm/portals/{portal_id}", headers=ADMIN).text
    assert "digest" not in http.get(f"/_b24crm/portals/{portal_id}/webhooks", headers=ADMIN).text
    assert http.get(f"/_b24crm/portals/{portal_id}/users", headers=ADMIN).json()["result"][0]["id"] == 1


def test_create_a_portal_and_call_its_webhook(runtime: Runtime, http: TestClient) -> None:
    created = http.post("/_b24crm/portals", headers=ADMIN, json={"scopes": "crm", "time_zone": "Asia/Tokyo"})
    assert created.status_code == 201
    body = created.json()["result"]
    path = body["webhook"].split("://", 1)[1].split("/", 1)[1]
    answer = http.get(f"/{path}server.time").json()
    assert answer["result"].endswith("+09:00")


def test_delete_a_portal_revokes_its_webhooks(portal: PortalClient) -> None:
    http = portal.http
    assert portal.raw("server.time").status_code == 200
    assert http.delete(f"/_b24crm/portals/{portal.hook.portal.id}", headers=ADMIN).status_code == 200
    assert portal.raw("server.time").status_code == 401
    assert http.get(f"/_b24crm/portals/{portal.hook.portal.id}", headers=ADMIN).status_code == 404


def test_delete_a_portal_removes_its_files(runtime: Runtime, http: TestClient) -> None:
    kept, gone = PortalClient.create(runtime, http), PortalClient.create(runtime, http)
    upload = {"fileData": ["a.txt", base64.b64encode(b"bytes").decode()]}
    for p in (kept, gone):
        deal = p.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
        fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "Call", "FILES": [upload]}
        p.result("crm.activity.add", {"fields": {**fields, "COMMUNICATIONS": [{"VALUE": "1"}]}})
    root = runtime.files.root
    assert (root / str(gone.hook.portal.id)).is_dir()
    assert http.delete(f"/_b24crm/portals/{gone.hook.portal.id}", headers=ADMIN).status_code == 200
    assert not (root / str(gone.hook.portal.id)).exists()
    assert len(list((root / str(kept.hook.portal.id)).rglob("*.txt"))) == 1


@pytest.mark.parametrize(
    "body",
    [
        '{"scopes": "crm,Bad Scope!"}',
        '{"scopes": 5}',
        "[1, 2]",
        '"text"',
        "not json",
        '{"domain": ["a"]}',
        '{"time_zone": "Mars/Base"}',
        '{"title": {"x": 1}}',
        "[" * 100_000,  # nested past the parser's depth
    ],
)
def test_bad_admin_input_is_a_400(http: TestClient, body: str) -> None:
    before = http.get("/_b24crm/portals", headers=ADMIN).json()["result"]
    response = http.post(
        "/_b24crm/portals", headers={**ADMIN, "Content-Type": "application/json"}, content=body
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "INVALID_REQUEST"
    assert http.get("/_b24crm/portals", headers=ADMIN).json()["result"] == before  # nothing half-made


def test_duplicate_domain_and_out_of_range_ids(http: TestClient) -> None:
    assert http.post("/_b24crm/portals", headers=ADMIN, json={"domain": "twice.example"}).status_code == 201
    again = http.post("/_b24crm/portals", headers=ADMIN, json={"domain": "twice.example"})
    assert again.status_code == 400 and "exists" in again.json()["error_description"]
    for path in ("/_b24crm/portals/99999999999999999999", "/_b24crm/portals/99999999999999999999/users"):
        assert http.get(path, headers=ADMIN).status_code == 404, path
