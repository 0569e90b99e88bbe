"""server.time, methods, method.get, scope, profile, user.current, user.get."""

from __future__ import annotations

import re

import pytest

from b24crm.runtime import Runtime
from tests.client import FORMS, PortalClient


@pytest.mark.parametrize("form", FORMS)
def test_methods_by_scope(portal: PortalClient, form: str) -> None:
    crm_only = portal.with_webhook(portal.hook.user.id, ("crm",))
    mine = crm_only.result("methods", form=form)
    assert "server.time" in mine and "crm.item.list" in mine and "user.get" not in mine
    assert all(name == name.lower() for name in mine)
    # The global methods come first.
    global_methods = [s.key for s in portal.runtime.registry if "basic" in s.scopes]
    assert mine[: len(global_methods)] == global_methods
    assert {"app.info", "batch", "method.get", "methods", "profile", "scope", "server.time"} <= set(
        global_methods
    )
    assert mine.index("crm.item.list") >= len(global_methods)
    everything = crm_only.result("methods", {"full": 1}, form=form)
    assert "user.get" in everything and set(mine) < set(everything)
    assert crm_only.result("methods", {"scope": "user"}, form=form) == ["user.current", "user.get"]
    basic_only = crm_only.result("methods", {"scope": ""}, form=form)
    assert "server.time" in basic_only and "crm.item.list" not in basic_only


def test_method_get(portal: PortalClient) -> None:
    crm_only = portal.with_webhook(portal.hook.user.id, ("crm",))
    assert crm_only.result("method.get", {"name": "crm.item.list"}) == {
        "isExisting": True,
        "isAvailable": True,
    }
    assert crm_only.result("method.get", {"name": "user.get"}) == {"isExisting": True, "isAvailable": False}
    assert crm_only.result("method.get", {"name": "Server.Time"}) == {
        "isExisting": False,
        "isAvailable": False,
    }
    assert crm_only.result("method.get", {}) == {"isExisting": False, "isAvailable": False}


def test_scope(portal: PortalClient) -> None:
    assert portal.result("scope") == ["crm", "user"]
    odd = portal.with_webhook(portal.hook.user.id, ("crm", "telephony", "nonsense"))
    assert odd.result("scope") == ["crm", "telephony"]  # only scopes the cloud has
    full = portal.result("scope", {"full": "Y"})
    # Every scope of the cloud, as b24pysdk's scope test expects, b24crm's own among them.
    assert len(full) == 64 and full[:3] == ["booking", "biconnector", "telephony"]
    assert {"crm", "user", "user_brief", "user_basic", "placement", "tasks_extended", "vote"} <= set(full)
    assert "basic" not in full and "nonsense" not in full


def test_profile(runtime: Runtime, http) -> None:  # type: ignore[no-untyped-def]
    berlin = PortalClient.create(runtime, http, time_zone="Europe/Berlin")
    profile = berlin.result("profile")
    assert profile["ID"] == "1" and profile["ADMIN"] is True
    assert (profile["NAME"], profile["LAST_NAME"]) == ("Test", "Admin")
    # The newest vendor code and the docs' example have no TIME_ZONE_OFFSET.
    assert list(profile) == ["ID", "ADMIN", "NAME", "LAST_NAME", "PERSONAL_GENDER", "TIME_ZONE"]
    member = runtime.tenancy.create_user(berlin.hook.portal.id, name="M")
    assert berlin.with_webhook(member.id, ("crm",)).result("profile")["ADMIN"] is False


def test_user_current_and_get(portal: PortalClient) -> None:
    me = portal.result("user.current")
    assert me["ID"] == "1" and me["ACTIVE"] is True and me["EMAIL"] == "admin@example.com"
    # b24pysdk's user tests require these keys (strings), as the vendor's own example shows them.
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", me["TIMESTAMP_X"])
    assert me["LAST_ACTIVITY_DATE"] == me["TIMESTAMP_X"]
    keys = list(me)
    assert keys.index("TIME_ZONE_OFFSET") < keys.index("TIMESTAMP_X") < keys.index("PERSONAL_GENDER")
    # The vendor's example has WORK_POSITION between the birthday and the employment date.
    assert (
        keys.index("PERSONAL_BIRTHDAY") + 1
        == keys.index("WORK_POSITION")
        == keys.index("UF_EMPLOYMENT_DATE") - 1
    )
    assert me["WORK_POSITION"] == ""
    for i in range(3):
        portal.runtime.tenancy.create_user(portal.hook.portal.id, name=f"U{i}", email=f"u{i}@example.com")
    assert [u["ID"] for u in portal.result("user.get", {"FILTER": {">ID": 2}})] == ["3", "4"]
    assert [u["NAME"] for u in portal.result("user.get", {"filter": {"EMAIL": "u1@example.com"}})] == ["U1"]
    assert [u["ID"] for u in portal.result("user.get", {"SORT": "ID", "ORDER": "DESC"})][:2] == ["4", "3"]
    assert [u["ID"] for u in portal.result("user.get", {"ID": 2})] == ["2"]  # the old top-level filter form
