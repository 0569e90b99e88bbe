"""crm.category.*: pipelines of deals and smart processes, each documented example and error code by its
page (api-reference/crm/universal/category/crm-category-*.md) and b24pysdk's integration test
(tests/integration/scopes/crm/test_crm_category.py)."""

from __future__ import annotations

from b24crm.store import crm_statuses
from b24crm.store.tables import crm_statuses as crm_statuses_table
from tests.client import PortalClient

DEAL = 2


def _spa(portal: PortalClient) -> int:
    return int(portal.result("crm.type.add", {"fields": {"title": "Orders"}})["type"]["entityTypeId"])


def test_fields_page_for_deals(portal: PortalClient) -> None:
    # crm-category-fields.md: the example answer for deals.
    fields = portal.result("crm.category.fields", {"entityTypeId": DEAL})["fields"]
    assert list(fields) == ["id", "name", "sort", "entityTypeId", "isDefault", "originId", "originatorId"]
    assert fields["entityTypeId"] == {
        "type": "integer",
        "isRequired": True,
        "isReadOnly": True,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": "ENTITY_TYPE_ID",
        "upperName": "ENTITY_TYPE_ID",
    }
    assert fields["isDefault"]["isReadOnly"] is True


def test_b24pysdk_round_trip_on_deals(portal: PortalClient) -> None:
    added = portal.result(
        "crm.category.add", {"entityTypeId": DEAL, "fields": {"name": "SDK", "sort": 100, "isDefault": "N"}}
    )["category"]
    assert added == {
        "id": 1,
        "name": "SDK",
        "sort": 100,
        "entityTypeId": DEAL,
        "isDefault": "N",
        "originId": "",
        "originatorId": "",
    }
    got = portal.result("crm.category.get", {"entityTypeId": DEAL, "id": 1})["category"]
    assert got == added
    updated = portal.result("crm.category.update", {"entityTypeId": DEAL, "id": 1, "fields": {"name": "New"}})
    assert updated["category"]["name"] == "New" and updated["category"]["sort"] == 100
    page = portal.call("crm.category.list", {"entityTypeId": DEAL})
    cats = page["result"]["categories"]
    assert page["total"] == 2 and {c["id"] for c in cats} == {0, 1}
    default = next(c for c in cats if c["id"] == 0)
    # crm-category-list.md: the deals' default pipeline has no data-source keys.
    assert default == {"id": 0, "name": "General", "sort": 0, "entityTypeId": DEAL, "isDefault": "Y"}
    # The new pipeline's stages are the deal defaults under its prefix.
    stages = portal.result("crm.status.entity.items", {"entityId": "DEAL_STAGE_1"})
    assert [s["STATUS_ID"] for s in stages][:2] == ["C1:NEW", "C1:PREPARATION"]
    deal = portal.result("crm.item.add", {"entityTypeId": DEAL, "fields": {"categoryId": 1}})["item"]
    assert (deal["categoryId"], deal["stageId"]) == (1, "C1:NEW")
    status, body = portal.error("crm.category.delete", {"entityTypeId": DEAL, "id": 1})
    assert status == 400 and body["error"] == "0"
    portal.result("crm.item.delete", {"entityTypeId": DEAL, "id": deal["id"]})
    assert portal.call("crm.category.delete", {"entityTypeId": DEAL, "id": 1})["result"] is None
    assert portal.result("crm.status.entity.items", {"entityId": "DEAL_STAGE_1"}) == []


def test_add_page_example_on_a_smart_process(portal: PortalClient) -> None:
    # crm-category-add.md: a new default pipeline; the old default stops being one.
    etid = _spa(portal)
    body = {"entityTypeId": etid, "fields": {"name": "New Default Funnel", "sort": 50, "isDefault": "Y"}}
    added = portal.result("crm.category.add", body)["category"]
    assert added == {
        "id": 2,
        "name": "New Default Funnel",
        "sort": 50,
        "entityTypeId": etid,
        "isDefault": "Y",
    }
    cats = portal.result("crm.category.list", {"entityTypeId": etid})["categories"]
    assert [(c["id"], c["isDefault"]) for c in cats] == [(2, "Y"), (1, "N")]
    # crm-category-update.md: the example's fields.
    upd = {
        "entityTypeId": etid,
        "id": 1,
        "fields": {"name": "New Funnel Name", "sort": 1000, "isDefault": "Y"},
    }
    assert portal.result("crm.category.update", upd)["category"]["isDefault"] == "Y"
    item = portal.result("crm.item.add", {"entityTypeId": etid, "fields": {}})["item"]
    assert (item["categoryId"], item["stageId"]) == (1, f"DT{etid}_1:NEW")
    status, body = portal.error("crm.category.delete", {"entityTypeId": etid, "id": 1})
    assert (status, body["error"]) == (400, "0")


def test_documented_errors(portal: PortalClient) -> None:
    # NOT_FOUND (every page): an entityTypeId that names no type.
    for method in ("crm.category.fields", "crm.category.list"):
        status, body = portal.error(method, {"entityTypeId": 999})
        assert (status, body) == (400, {"error": "NOT_FOUND", "error_description": "SPA not found"})
    # ENTITY_TYPE_NOT_SUPPORTED: a type without pipelines.
    status, body = portal.error("crm.category.list", {"entityTypeId": 1})
    assert body == {
        "error": "ENTITY_TYPE_NOT_SUPPORTED",
        "error_description": "Entity type LEAD is not supported",
    }
    # NOT_FOUND "Element not found" (get, update, delete).
    for method in ("crm.category.get", "crm.category.delete"):
        status, body = portal.error(method, {"entityTypeId": DEAL, "id": 77})
        assert body == {"error": "NOT_FOUND", "error_description": "Element not found"}
    # ADDING_DISABLED (add).
    status, body = portal.error("crm.category.add", {"entityTypeId": DEAL, "fields": {"isSystem": "Y"}})
    assert body["error"] == "ADDING_DISABLED"
    # 0 "Field 'NAME' is required" (add).
    status, body = portal.error("crm.category.add", {"entityTypeId": DEAL, "fields": {"sort": 5}})
    assert body == {"error": "0", "error_description": "Field 'NAME' is required"}
    # The binder: a missing argument.
    status, body = portal.error("crm.category.get", {"entityTypeId": DEAL})
    assert body["error"] == "100"
    # The default pipeline cannot go.
    status, body = portal.error("crm.category.delete", {"entityTypeId": DEAL, "id": 0})
    assert status == 400 and body["error"] == "0"


def test_access_denied_for_non_administrators(portal: PortalClient) -> None:
    # ACCESS_DENIED (add, update, delete): CRM administrators only.
    user = portal.restricted("*:*=all")
    _, body = user.error("crm.category.add", {"entityTypeId": DEAL, "fields": {"name": "x"}})
    assert body == {"error": "ACCESS_DENIED", "error_description": "Access denied"}
    # ACCESS_DENIED (get): no right to read the type's items; list leaves the pipelines out.
    blind = portal.restricted("3:read=all")
    _, body = blind.error("crm.category.get", {"entityTypeId": DEAL, "id": 0})
    assert body["error"] == "ACCESS_DENIED"
    assert blind.result("crm.category.list", {"entityTypeId": DEAL})["categories"] == []


def test_deleting_a_smart_process_deletes_its_pipelines_and_stages(portal: PortalClient) -> None:
    made = portal.result("crm.type.add", {"fields": {"title": "Orders"}})["type"]
    entity_type_id = int(made["entityTypeId"])
    portal.result("crm.category.add", {"entityTypeId": entity_type_id, "fields": {"name": "Second"}})
    assert len(portal.result("crm.category.list", {"entityTypeId": entity_type_id})["categories"]) == 2
    portal.result("crm.type.delete", {"id": made["id"]})
    stage_lists = crm_statuses_table.c.entity_id.like(f"DYNAMIC_{entity_type_id}_STAGE_%")
    with portal.runtime.db.read() as conn:
        assert crm_statuses.categories_of(conn, portal.hook.portal.id, entity_type_id) == []
        assert crm_statuses.list_statuses(conn, portal.hook.portal.id, [stage_lists], []) == []
