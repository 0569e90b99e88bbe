"""The /_b24crm/ admin namespace."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from b24crm.runtime import Runtime
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


def test_admin_needs_the_token(http: TestClient) -> None:
    assert http.get("/_b24crm/portals").status_code == 401
    assert http.get("/_b24crm/portals", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/_b24crm/portals", headers=ADMIN).status_code == 200
    assert http.get("/_b24crm/portals?token=admin-secret").status_code == 200


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
