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


def test_list_filter_and_order(portal: PortalClient) -> None:
    for title, stages in (("Alpha", "Y"), ("Beta", "N"), ("Gamma", "Y")):
        portal.result("crm.type.add", {"fields": {"title": title, "isStagesEnabled": stages}})

    def ids(params: dict[str, object]) -> list[int]:
        return [t["id"] for t in portal.result("crm.type.list", params)["types"]]

    assert ids({"filter": {"id": 2}}) == [2]
    assert ids({"filter": {"ENTITY_TYPE_ID": [1030, 1034]}}) == [1, 3]  # the vendor upper-cases the keys
    assert ids({"filter": {">id": 1, "isStagesEnabled": "Y"}}) == [3]
    assert ids({"filter": {"%title": "ETA"}}) == [2]
    assert ids({"filter": {"!title": ["Alpha", "Beta"]}}) == [3]
    assert ids({"order": {"id": "DESC"}}) == [3, 2, 1]
    assert ids({"order": {"isStagesEnabled": "ASC", "title": "DESC"}}) == [2, 3, 1]
    # b24pysdk's descending fast list: start=-1 pages by id with "<id".
    fast = portal.call("crm.type.list", {"order": {"id": "DESC"}, "filter": {"<id": 3}, "start": -1})
    assert [t["id"] for t in fast["result"]["types"]] == [2, 1] and "next" not in fast
    listed = portal.call("crm.type.list", {"filter": {"isStagesEnabled": "Y"}})
    assert listed["total"] == 2
    refused = [
        portal.error("crm.type.list", {"filter": {"non_existent_field": "x"}}),
        portal.error("crm.type.list", {"order": {"notField": "ASC"}}),
        portal.error("crm.type.list", {"order": {"id": "UP"}}),
        portal.error("crm.type.list", {"filter": {"id": "abc"}}),
    ]
    assert [(status, body["error"]) for status, body in refused] == [(400, "INVALID_ARG_VALUE")] * 4
    assert [body["error_description"] for _, body in refused] == [
        "Invalid filter: field 'NON_EXISTENT_FIELD' is not allowed in filter",
        "Invalid order: field 'NOT_FIELD' is not allowed in order",
        "Invalid order: allowed sort directions are ASC, DESC. But got 'UP' for field 'ID'",
        "Invalid filter: field 'ID' has invalid value",
    ]
    assert portal.error("crm.type.list", {"filter": "id"})[1]["error"] == "100"  # not an array


def test_type_fields(portal: PortalClient) -> None:
    fields = portal.result("crm.type.fields")["fields"]
    assert list(fields)[:5] == ["id", "title", "code", "createdBy", "entityTypeId"]
    assert list(fields)[-3:] == ["createdTime", "updatedTime", "updatedBy"]
    assert len(fields) == 23
    assert fields["entityTypeId"] == {
        "type": "integer",
        "isRequired": True,
        "isReadOnly": False,
        "isImmutable": True,
        "isMultiple": False,
        "isDynamic": False,
        "title": "Type Identifier",
        "upperName": "ENTITY_TYPE_ID",
    }
    made = portal.result("crm.type.add", {"fields": {"title": "T"}})["type"]
    assert set(fields) <= set(made)  # every described field is in a type's answer
