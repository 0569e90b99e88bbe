"""The fault effect ``drop``: the server closes the connection without an HTTP answer, as a proxy resetting
it does, and keeps serving."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from b24crm.runtime import Runtime
from tests.live import live_server

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def served(runtime: Runtime) -> object:
    with live_server(runtime, guarded=True) as (base, _):
        yield base


def test_a_dropped_connection_is_a_transport_error_for_get_and_post(runtime: Runtime, served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as http:
        made = http.post("/_b24crm/portals", json={"scopes": "crm,user"}, headers=ADMIN).json()["result"]
        portal_id, hook = made["portal"]["id"], urlsplit(made["webhook"]).path
        rule = {"effect": "drop", "method": "crm.deal.*", "times": 2}
        assert http.post(f"/_b24crm/portals/{portal_id}/faults", json=rule, headers=ADMIN).status_code == 201
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"{hook}crm.deal.list")
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(f"{hook}crm.deal.add", json={"fields": {"TITLE": "dropped"}})
        # Spent: the server answers again, on new connections as on the client's pool.
        assert http.get(f"{hook}crm.deal.list").json()["total"] == 0
        assert http.get(f"{hook}server.time").status_code == 200
        listed = http.get(f"/_b24crm/portals/{portal_id}/faults", headers=ADMIN).json()["result"]
        assert [(r["seen"], r["fired"]) for r in listed] == [(2, 2)]
        calls = http.get(f"/_b24crm/portals/{portal_id}/requests", headers=ADMIN).json()["result"]
        assert [c["error"] for c in calls if c["method"].startswith("crm.deal.")][:2] == [
            "connection dropped"
        ] * 2


def test_a_drop_in_process_is_an_exception_not_an_answer(portal) -> None:  # type: ignore[no-untyped-def]
    from b24crm.http.server import ConnectionDropped

    rule = {"effect": "drop", "times": 1}
    portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/faults", json=rule, headers=ADMIN)
    with pytest.raises(ConnectionDropped):
        portal.raw("server.time")
    assert portal.raw("server.time").status_code == 200
