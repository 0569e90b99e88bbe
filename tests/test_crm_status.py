"""crm.status.*: the reference lists, each documented example and error by its page
(api-reference/crm/status/crm-status-*.md) and b24pysdk's integration tests
(tests/integration/scopes/crm/status/)."""

from __future__ import annotations

from tests.client import PortalClient


def test_b24pysdk_round_trip_on_sources(portal: PortalClient) -> None:
    fields = portal.result("crm.status.fields")
    assert list(fields) == [
        "ID", "ENTITY_ID", "STATUS_ID", "SORT", "NAME", "NAME_INIT", "SYSTEM", "CATEGORY_ID", "COLOR",
        "SEMANTICS", "EXTRA",
    ]  # fmt: skip
    new_id = portal.result(
        "crm.status.add",
        {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "SDK_1", "NAME": "SDK", "SORT": 500}},
    )
    assert isinstance(new_id, int) and new_id > 0
    got = portal.result("crm.status.get", {"id": new_id})
    assert (got["ID"], got["STATUS_ID"], got["SORT"], got["SYSTEM"]) == (str(new_id), "SDK_1", "500", "N")
    assert portal.result("crm.status.update", {"id": new_id, "fields": {"NAME": "Upd", "SORT": 501}}) is True
    found = portal.result(
        "crm.status.list", {"filter": {"ENTITY_ID": "SOURCE", "STATUS_ID": "SDK_1"}, "order": {"SORT": "ASC"}}
    )
    assert [(s["NAME"], s["SORT"]) for s in found] == [("Upd", "501")]
    assert portal.result("crm.status.delete", {"id": new_id}) is True


def test_list_page_example_deal_stages(portal: PortalClient) -> None:
    body = portal.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}})
    assert body["total"] == 8
    first, won, apology = body["result"][0], body["result"][5], body["result"][7]
    assert first["STATUS_ID"] == "NEW" and first["CATEGORY_ID"] is None and first["SEMANTICS"] is None
    assert first["EXTRA"] == {"SEMANTICS": "process", "COLOR": "#39A8EF"}
    assert (won["STATUS_ID"], won["SEMANTICS"], won["EXTRA"]["SEMANTICS"]) == ("WON", "S", "success")
    assert apology["EXTRA"]["SEMANTICS"] == "apology"


def test_entity_types_and_items_pages(portal: PortalClient) -> None:
    types = portal.result("crm.status.entity.types")
    ids = [t["ID"] for t in types]
    assert ids[:8] == [
        "STATUS",
        "SOURCE",
        "CONTACT_TYPE",
        "COMPANY_TYPE",
        "EMPLOYEES",
        "INDUSTRY",
        "DEAL_TYPE",
        "DEAL_STAGE",
    ]
    assert types[0]["SEMANTIC_INFO"]["FINAL_SUCCESS_FIELD"] == "CONVERTED"
    items = portal.result("crm.status.entity.items", {"entityId": "DEAL_STAGE"})
    assert items[0] == {"NAME": "New", "SORT": 10, "STATUS_ID": "NEW"}


def test_a_deal_pipeline_stage_gets_its_prefix(portal: PortalClient) -> None:
    portal.result("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Second"}})
    new_id = portal.result(
        "crm.status.add",
        {"fields": {"ENTITY_ID": "DEAL_STAGE_1", "STATUS_ID": "DECISION", "NAME": "D", "SORT": 15}},
    )
    got = portal.result("crm.status.get", {"id": new_id})
    assert (got["STATUS_ID"], got["CATEGORY_ID"]) == ("C1:DECISION", "1")


def test_documented_errors(portal: PortalClient) -> None:
    def err(method: str, params: dict) -> dict:  # type: ignore[type-arg]
        status, body = portal.error(method, params)
        assert status == 400
        return body  # type: ignore[no-any-return]

    assert err("crm.status.add", {"fields": {}})["error_description"] == (
        "The field ENTITY_ID is required.\nThe field STATUS_ID is required."
    )
    assert err("crm.status.add", {"fields": "x"})["error_description"] == "Parameter 'fields' must be array."
    unsupported = {"fields": {"ENTITY_ID": "NOPE", "STATUS_ID": "A", "NAME": "a"}}
    assert (
        err("crm.status.add", unsupported)["error_description"] == "Specified entity type is not supported."
    )
    no_name = {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "A"}}
    assert err("crm.status.add", no_name)["error_description"] == "The field Title is required."
    late = {"fields": {"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "LATE", "NAME": "x", "SORT": 65}}
    assert err("crm.status.add", late)["error_description"].startswith("Cannot create more stages")
    dup = err("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "CALL", "NAME": "x"}})
    assert dup == {"error": "ERROR_CORE", "error_description": "The specified status ID already exists.<br>"}
    assert err("crm.status.get", {"id": "x"})["error_description"] == "ID is not defined or invalid."
    assert (
        err("crm.status.update", {"id": 99999, "fields": {}})["error_description"]
        == "CRM Status is not found."
    )
    new = portal.result("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "NEW"}})[0]
    assert err("crm.status.delete", {"id": new["ID"]})["error_description"].startswith("CRM System Status")
    portal.result("crm.item.add", {"entityTypeId": 2, "fields": {"stageId": "PREPARATION"}})
    prep = portal.result(
        "crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "PREPARATION"}}
    )
    assert err("crm.status.delete", {"id": prep[0]["ID"]})["error_description"] == (
        "There are active items in this status."
    )
    assert err("crm.status.entity.items", {})["error_description"] == (
        "The parameter entityId is not defined or invalid."
    )
    user = portal.restricted("*:*=all")
    status, body = user.error(
        "crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "B", "NAME": "b"}}
    )
    assert (status, body) == (400, {"error": "", "error_description": "Access denied."})
