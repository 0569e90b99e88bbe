"""crm.type.*: smart processes, and items of them through crm.item.*."""

from __future__ import annotations

import pytest

from tests.client import FORMS, PortalClient


@pytest.mark.parametrize("form", FORMS)
def test_create_read_update_delete_a_smart_process(portal: PortalClient, form: str) -> None:
    made = portal.result("crm.type.add", {"fields": {"title": "Orders", "isStagesEnabled": "Y"}}, form=form)[
        "type"
    ]
    assert made["id"] == 1 and made["entityTypeId"] == 1030 and made["title"] == "Orders"
    assert (
        made["isStagesEnabled"] == "Y"
        and made["isCategoriesEnabled"] == "N"
        and made["isSetOpenPermissions"] == "Y"
    )
    assert made["relations"] == {"parent": [], "child": []}
    assert portal.result("crm.type.get", {"id": 1}, form=form)["type"] == made
    assert portal.result("crm.type.getByEntityTypeId", {"entityTypeId": 1030}, form=form)["type"] == made
    changed = portal.result("crm.type.update", {"id": 1, "fields": {"title": "Sales orders"}}, form=form)[
        "type"
    ]
    assert changed["title"] == "Sales orders" and changed["isStagesEnabled"] == "Y"
    listed = portal.call("crm.type.list", form=form)
    assert [t["id"] for t in listed["result"]["types"]] == [1] and listed["total"] == 1
    assert portal.result("crm.type.delete", {"id": 1}, form=form) == []
    assert portal.error("crm.type.get", {"id": 1}, form=form)[1] == {
        "error": "NOT_FOUND",
        "error_description": "Smart process not found",
    }


def test_entity_type_ids(portal: PortalClient) -> None:
    first = portal.result("crm.type.add", {"fields": {"title": "A"}})["type"]
    chosen = portal.result("crm.type.add", {"fields": {"title": "B", "entityTypeId": 1040}})["type"]
    second = portal.result("crm.type.add", {"fields": {"title": "C"}})["type"]
    in_range = portal.result("crm.type.add", {"fields": {"title": "D", "entityTypeId": 130}})["type"]
    # Automatic IDs come from a +2 sequence of even numbers from 1030; explicit ones may use 128..192.
    assert (first["entityTypeId"], chosen["entityTypeId"], second["entityTypeId"]) == (1030, 1040, 1032)
    assert in_range["entityTypeId"] == 130
    portal.result("crm.type.delete", {"id": second["id"]})
    # Never reused, even once the type that held it is gone.
    assert portal.result("crm.type.add", {"fields": {"title": "E"}})["type"]["entityTypeId"] == 1034
    for bad in (127, 193, 1031, 50):
        status, body = portal.error("crm.type.add", {"fields": {"title": "X", "entityTypeId": bad}})
        assert (status, body) == (
            400,
            {"error": "INVALID_ARG_VALUE", "error_description": "entityTypeId is out of allowed range"},
        )
    assert portal.error("crm.type.add", {})[1] == {
        "error": "100",
        "error_description": "Could not find value for parameter {fields}",
    }


def test_items_of_a_smart_process(portal: PortalClient) -> None:
    spa = portal.result("crm.type.add", {"fields": {"title": "Orders"}})["type"]
    etid = spa["entityTypeId"]
    item = portal.result("crm.item.add", {"entityTypeId": etid, "fields": {"opportunity": 10}})["item"]
    assert item["id"] == 1 and item["title"] == "Orders #1" and item["stageId"] == f"DT{etid}_1:NEW"
    assert portal.result("crm.item.list", {"entityTypeId": etid})["items"][0]["id"] == 1
    owners = portal.result("crm.enum.ownertype")
    assert owners[-1] == {
        "ID": etid,
        "NAME": "Orders",
        "SYMBOL_CODE": f"DYNAMIC_{etid}",
        "SYMBOL_CODE_SHORT": "T406",  # 1030 in hex
    }
    assert item["opened"] == "N"  # smart processes are not open to everyone by default
    status, body = portal.error("crm.type.delete", {"id": spa["id"]})
    assert (status, body) == (
        400,
        {"error": "BX_ERROR", "error_description": "You cannot delete an entity type that has elements"},
    )
    portal.result("crm.item.delete", {"entityTypeId": etid, "id": 1})
    assert portal.result("crm.type.delete", {"id": spa["id"]}) == []
    assert portal.error("crm.item.list", {"entityTypeId": etid})[1]["error_description"] == "SPA not found"


def test_only_admins_manage_types(portal: PortalClient) -> None:
    member = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Member")
    as_member = portal.with_webhook(member.id, ("crm",))
    assert as_member.error("crm.type.add", {"fields": {"title": "X"}})[1] == {
        "error": "ACCESS_DENIED",
        "error_description": "Access denied",
    }
