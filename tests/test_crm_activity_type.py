"""crm.activity.type.add / list / delete through HTTP, on SQLite and PostgreSQL (docs:
api-reference/crm/timeline/activities/types/*.md; reference: crm.md §7)."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from b24crm.store import activity_types as types_store
from b24crm.store.tables import crm_activity_types
from tests.apps_support import install
from tests.client import PortalClient

QUICKBOOKS = {"TYPE_ID": "1C", "NAME": "Activity 1C", "IS_CONFIGURABLE_TYPE": "N"}


def test_add_then_list_shows_the_type_as_the_docs_example(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    assert (
        app.api.call("crm.activity.type.add", {"fields": {**QUICKBOOKS, "IS_CONFIGURABLE_TYPE": "Y"}})[
            "result"
        ]
        is True
    )
    # crm-activity-type-list.md: every value a string, ICON_ID "0" without an icon.
    assert app.api.result("crm.activity.type.list") == [
        {"TYPE_ID": "1C", "NAME": "Activity 1C", "IS_CONFIGURABLE_TYPE": "Y", "ICON_ID": "0"}
    ]


def test_defaults_name_empty_and_not_configurable(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    app.api.result("crm.activity.type.add", {"fields": {"type_id": "Plain"}})  # keys in any case
    assert app.api.result("crm.activity.type.list") == [
        {"TYPE_ID": "Plain", "NAME": "", "IS_CONFIGURABLE_TYPE": "N", "ICON_ID": "0"}
    ]


def test_missing_type_id_and_duplicates_are_invalid_arg_value(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    for fields in ({}, {"NAME": "No id"}, {"TYPE_ID": ""}, {"TYPE_ID": ["array"]}):
        status, body = app.api.error("crm.activity.type.add", {"fields": fields})
        assert (status, body["error"]) == (400, "INVALID_ARG_VALUE"), fields
        assert "TYPE_ID" in body["error_description"]
    status, body = app.api.error("crm.activity.type.add", {})
    assert (status, body["error"]) == (400, "INVALID_ARG_VALUE")
    app.api.result("crm.activity.type.add", {"fields": QUICKBOOKS})
    status, body = app.api.error("crm.activity.type.add", {"fields": QUICKBOOKS})
    assert (status, body["error"]) == (400, "INVALID_ARG_VALUE")
    assert "already exists" in body["error_description"]
    assert len(app.api.result("crm.activity.type.list")) == 1


def test_each_application_sees_and_deletes_only_its_own(app_portal: PortalClient) -> None:
    first = install(app_portal, "http://first.test/install")
    second = install(app_portal, "http://second.test/install")
    first.api.result("crm.activity.type.add", {"fields": QUICKBOOKS})
    # TYPE_ID is unique per application, as the vendor looks it up by (APP_ID, TYPE_ID).
    second.api.result("crm.activity.type.add", {"fields": {**QUICKBOOKS, "NAME": "Second's"}})
    assert [t["NAME"] for t in first.api.result("crm.activity.type.list")] == ["Activity 1C"]
    assert [t["NAME"] for t in second.api.result("crm.activity.type.list")] == ["Second's"]
    assert second.api.result("crm.activity.type.delete", {"TYPE_ID": "1C"}) is True
    assert second.api.result("crm.activity.type.list") == []
    assert [t["NAME"] for t in first.api.result("crm.activity.type.list")] == ["Activity 1C"]
    status, body = second.api.error("crm.activity.type.delete", {"type_id": "1C"})
    assert (status, body["error"]) == (400, "INVALID_ARG_VALUE")
    assert "does not exist" in body["error_description"]
    status, body = second.api.error("crm.activity.type.delete", {})
    assert (status, body["error"]) == (400, "INVALID_ARG_VALUE")


def test_a_webhook_needs_an_application_and_a_user_needs_to_be_admin(app_portal: PortalClient) -> None:
    for method, params in (
        ("crm.activity.type.add", {"fields": QUICKBOOKS}),
        ("crm.activity.type.list", {}),
        ("crm.activity.type.delete", {"TYPE_ID": "1C"}),
    ):
        status, body = app_portal.error(method, params)
        assert (status, body) == (
            403,
            {"error": "ACCESS_DENIED", "error_description": "Access denied! Application context required"},
        ), method
        # The administrator check comes first: a webhook of an ordinary user hears about that.
        status, body = app_portal.restricted().error(method, params)
        assert (status, body["error_description"]) == (403, "Access denied! Admin permissions required")
    clerk = app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="Clerk")
    app = install(app_portal, "http://app.test/install", user_id=clerk.id)
    status, body = app.api.error("crm.activity.type.add", {"fields": QUICKBOOKS})
    assert (status, body) == (
        403,
        {"error": "ACCESS_DENIED", "error_description": "Access denied! Admin permissions required"},
    )
    assert app.api.error("crm.activity.type.list")[0] == 403


def test_icon_file_is_kept_with_its_bytes(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    fields = {**QUICKBOOKS, "ICON_FILE": ["icon.png", base64.b64encode(png).decode()]}
    app.api.result("crm.activity.type.add", {"fields": fields})
    app.api.result("crm.activity.type.add", {"fields": {**QUICKBOOKS, "TYPE_ID": "2C", "ICON_FILE": "junk"}})
    listed = app.api.result("crm.activity.type.list")
    assert listed[0]["ICON_ID"] != "0" and listed[1]["ICON_ID"] == "0"
    portal_id = app_portal.hook.portal.id
    with app_portal.runtime.db.read() as conn:
        assert types_store.icon(conn, portal_id, int(listed[0]["ICON_ID"])) == ("icon.png", png)


def test_a_type_id_is_cut_to_its_column_alike_on_add_and_delete(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    long_id = "T" * 300
    app.api.result("crm.activity.type.add", {"fields": {"TYPE_ID": long_id}})
    assert app.api.result("crm.activity.type.list")[0]["TYPE_ID"] == "T" * 100
    assert app.api.result("crm.activity.type.delete", {"TYPE_ID": long_id}) is True
    with app_portal.runtime.db.read() as conn:
        count = sa.select(sa.func.count()).where(crm_activity_types.c.portal_id == app_portal.hook.portal.id)
        assert conn.execute(count).scalar() == 0
