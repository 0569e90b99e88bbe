"""crm.item.*: CRUD over the fixed types, filters, order, select, paging, errors and permissions."""

from __future__ import annotations

import pytest

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.store import crm_roles
from tests.client import FORMS, PortalClient

DEAL, CONTACT, COMPANY = 2, 3, 4


def add(portal: PortalClient, entity_type_id: int, form: str = "json", **fields: object) -> dict:  # type: ignore[type-arg]
    return portal.result("crm.item.add", {"entityTypeId": entity_type_id, "fields": fields}, form=form)[
        "item"
    ]


@pytest.mark.parametrize("form", FORMS)
def test_add_get_update_delete_a_deal(portal: PortalClient, form: str) -> None:
    deal = add(
        portal, DEAL, form=form, title="Big one", opportunity="1500.5", begindate="2026-03-01T10:00:00+00:00"
    )
    assert deal["id"] == 1
    assert deal["title"] == "Big one"
    assert deal["opportunity"] == 1500.5
    assert deal["begindate"] == "2026-03-01T10:00:00+00:00"
    assert deal["assignedById"] == portal.hook.user.id
    assert deal["opened"] == "Y" and deal["closed"] == "N"
    assert deal["stageId"] == "NEW" and deal["categoryId"] == 0
    got = portal.result("crm.item.get", {"entityTypeId": DEAL, "id": 1}, form=form)["item"]
    assert got == deal
    updated = portal.result(
        "crm.item.update",
        {"entityTypeId": DEAL, "id": 1, "fields": {"title": "Bigger", "stageId": "WON"}},
        form=form,
    )["item"]
    assert updated["title"] == "Bigger" and updated["stageId"] == "WON"
    assert portal.result("crm.item.delete", {"entityTypeId": DEAL, "id": 1}, form=form) == []
    status, body = portal.error("crm.item.get", {"entityTypeId": DEAL, "id": 1}, form=form)
    assert (status, body) == (400, {"error": "NOT_FOUND", "error_description": "Item not found"})


def test_ids_are_per_type_and_portal(portal: PortalClient) -> None:
    assert add(portal, DEAL)["id"] == 1
    assert add(portal, DEAL)["id"] == 2
    assert add(portal, CONTACT, name="Ann")["id"] == 1


def test_default_titles(portal: PortalClient) -> None:
    assert add(portal, DEAL)["title"] == "Deal #1"


def test_contact_multifields(portal: PortalClient) -> None:
    contact = add(
        portal,
        CONTACT,
        name="Ann",
        fm=[
            {"typeId": "PHONE", "valueType": "WORK", "value": "+1 555"},
            {"typeId": "EMAIL", "value": "ann@example.com"},
        ],
    )
    assert [(f["typeId"], f["valueType"], f["value"]) for f in contact["fm"]] == [
        ("PHONE", "WORK", "+1 555"),
        ("EMAIL", "WORK", "ann@example.com"),
    ]
    listed = portal.result("crm.item.list", {"entityTypeId": CONTACT})["items"]
    assert listed[0]["fm"] == contact["fm"]
    only_name = portal.result("crm.item.list", {"entityTypeId": CONTACT, "select": ["name"]})["items"]
    assert only_name == [{"name": "Ann"}]  # only what was selected, not even id


def test_company_title_is_required(portal: PortalClient) -> None:
    status, body = portal.error("crm.item.add", {"entityTypeId": COMPANY, "fields": {"comments": "x"}})
    assert status == 400 and body["error"] == "CRM_FIELD_ERROR_REQUIRED"


def test_list_filters_order_and_paging(portal: PortalClient) -> None:
    for i in range(60):
        add(portal, DEAL, title=f"Deal {i:02}", opportunity=i * 10)
    page = portal.call(
        "crm.item.list",
        {
            "entityTypeId": DEAL,
            "filter": {">=opportunity": 100, "<opportunity": 300},
            "order": {"opportunity": "DESC"},
            "select": ["title", "opportunity"],
        },
    )
    assert page["total"] == 20 and "next" not in page
    assert [i["opportunity"] for i in page["result"]["items"]][:3] == [290.0, 280.0, 270.0]
    first = portal.call("crm.item.list", {"entityTypeId": DEAL})
    assert first["total"] == 60 and first["next"] == 50
    second = portal.call("crm.item.list", {"entityTypeId": DEAL, "start": 50})
    assert [i["id"] for i in second["result"]["items"]] == list(range(51, 61))
    fast = portal.call(
        "crm.item.list", {"entityTypeId": DEAL, "filter": {">id": 55}, "order": {"id": "ASC"}, "start": -1}
    )
    assert "total" not in fast and [i["id"] for i in fast["result"]["items"]] == [56, 57, 58, 59, 60]
    like = portal.result("crm.item.list", {"entityTypeId": DEAL, "filter": {"%title": "Deal 5"}})["items"]
    assert sorted(i["title"] for i in like) == [f"Deal 5{i}" for i in range(10)]
    either = portal.result(
        "crm.item.list",
        {"entityTypeId": DEAL, "filter": {"0": {"logic": "OR", "title": "Deal 01", "@id": [10, 11]}}},
    )["items"]
    assert sorted(i["id"] for i in either) == [2, 10, 11]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filter": {"nope": 1}}, "Invalid filter: field 'NOPE' is not allowed in filter"),
        ({"filter": {">opportunity": "lots"}}, "Invalid filter: field 'OPPORTUNITY' has invalid value"),
        ({"order": {"nope": "ASC"}}, "Invalid order: field 'NOPE' is not allowed in order"),
        (
            {"order": {"title": "UP"}},
            "Invalid order: allowed sort directions are ASC, DESC. But got 'UP' for field 'TITLE'",
        ),
    ],
)
def test_list_argument_errors(portal: PortalClient, params: dict, message: str) -> None:  # type: ignore[type-arg]
    status, body = portal.error("crm.item.list", {"entityTypeId": DEAL, **params})
    assert (status, body) == (400, {"error": "INVALID_ARG_VALUE", "error_description": message})


def test_missing_parameters_and_unknown_type(portal: PortalClient) -> None:
    assert portal.error("crm.item.get", {"entityTypeId": DEAL})[1] == {
        "error": "100",
        "error_description": "Could not find value for parameter {id}",
    }
    assert portal.error("crm.item.add", {"fields": {}})[1]["error_description"] == (
        "Could not find value for parameter {entityTypeId}"
    )
    assert portal.error("crm.item.get", {"entityTypeId": 999, "id": 1})[1] == {
        "error": "NOT_FOUND",
        "error_description": "SPA not found",
    }


def test_bad_field_values(portal: PortalClient) -> None:
    status, body = portal.error("crm.item.add", {"entityTypeId": DEAL, "fields": {"opportunity": "much"}})
    assert (status, body["error"]) == (400, "CRM_FIELD_ERROR_VALUE_NOT_VALID")
    status, body = portal.error("crm.item.add", {"entityTypeId": DEAL, "fields": {"contactIds": 5}})
    assert body == {
        "error": "100",
        "error_description": "Expected iterable value for multiple field, but got integer instead",
    }


def test_unknown_and_read_only_fields_are_ignored(portal: PortalClient) -> None:
    deal = add(portal, DEAL, title="T", whatever="x", createdBy=99, id=77)
    assert deal["id"] == 1 and deal["createdBy"] == portal.hook.user.id and "whatever" not in deal


def test_fields_describes_the_type(portal: PortalClient) -> None:
    fields = portal.result("crm.item.fields", {"entityTypeId": DEAL})["fields"]
    assert fields["assignedById"] == {
        "type": "user",
        "isRequired": False,
        "isReadOnly": False,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": "Responsible person",
        "upperName": "ASSIGNED_BY_ID",
    }
    assert fields["contactIds"]["isMultiple"] is True
    assert fields["stageId"]["statusType"] == "DEAL_STAGE"


def test_restricted_role_reads_own_and_is_denied_the_rest(portal: PortalClient) -> None:
    runtime = portal.runtime
    portal_id = portal.hook.portal.id
    seller = runtime.tenancy.create_user(portal_id, name="Seller")
    with runtime.db.write() as conn:
        role = create_role(
            conn, portal_id, name="Own deals", permissions=dict([parse_grant("2:read=own,add=own,edit=own")])
        )
        crm_roles.assign(conn, portal_id, seller.id, role)
    theirs = add(portal, DEAL, title="Admin's")
    mine = add(portal, DEAL, title="Seller's", assignedById=seller.id)
    as_seller = portal.with_webhook(seller.id, ("crm",))
    listed = as_seller.call("crm.item.list", {"entityTypeId": DEAL})
    assert [i["id"] for i in listed["result"]["items"]] == [mine["id"]] and listed["total"] == 1
    assert as_seller.error("crm.item.get", {"entityTypeId": DEAL, "id": theirs["id"]})[1] == {
        "error": "ACCESS_DENIED",
        "error_description": "You do not have permission to view this item",
    }
    assert (
        as_seller.result("crm.item.get", {"entityTypeId": DEAL, "id": mine["id"]})["item"]["title"]
        == "Seller's"
    )
    denied = as_seller.error(
        "crm.item.update", {"entityTypeId": DEAL, "id": theirs["id"], "fields": {"title": "x"}}
    )
    assert denied[1] == {"error": "ACCESS_DENIED", "error_description": "Access denied"}
    assert (
        as_seller.error("crm.item.delete", {"entityTypeId": DEAL, "id": mine["id"]})[1]["error"]
        == "ACCESS_DENIED"
    )
    assert as_seller.error("crm.item.list", {"entityTypeId": CONTACT})[1]["error"] == "ACCESS_DENIED"
    # Adding an item assigned to someone else needs more than "own".
    _, body = as_seller.error("crm.item.add", {"entityTypeId": DEAL, "fields": {"assignedById": 1}})
    assert body["error"] == "ACCESS_DENIED"
    assert (
        as_seller.result("crm.item.add", {"entityTypeId": DEAL, "fields": {}})["item"]["assignedById"]
        == seller.id
    )
    # Nothing the denied calls touched has changed.
    assert (
        portal.result("crm.item.get", {"entityTypeId": DEAL, "id": theirs["id"]})["item"]["title"]
        == "Admin's"
    )


def test_odd_multifield_ids_are_treated_as_new_values(portal: PortalClient) -> None:
    contact = add(portal, CONTACT, name="Ann", fm=[{"typeId": "PHONE", "value": "1"}])
    kept = contact["fm"][0]["id"]
    updated = portal.result(
        "crm.item.update",
        {
            "entityTypeId": CONTACT,
            "id": contact["id"],
            "fields": {
                "fm": [
                    {"id": {"x": 1}, "typeId": "PHONE", "value": "2"},
                    {"id": kept, "typeId": "PHONE", "value": "1b"},
                    {"id": 999, "typeId": "EMAIL", "value": "a@b.c"},
                ]
            },
        },
    )["item"]
    # Answered in multifield-ID order: the kept value is the oldest.
    assert [(f["id"] == kept, f["value"]) for f in updated["fm"]] == [
        (True, "1b"),
        (False, "2"),
        (False, "a@b.c"),
    ]


def test_company_banking_details_and_legal_address_are_item_fields(portal: PortalClient) -> None:
    fields = portal.result("crm.item.fields", {"entityTypeId": 4})["fields"]
    assert {"bankingDetails", "addressLegal"} <= set(fields)
    item = portal.result(
        "crm.item.add", {"entityTypeId": 4, "fields": {"title": "Co", "bankingDetails": "B"}}
    )
    item_id = item["item"]["id"]
    portal.result("crm.item.update", {"entityTypeId": 4, "id": item_id, "fields": {"bankingDetails": "NEW"}})
    got = portal.result("crm.item.get", {"entityTypeId": 4, "id": item_id})["item"]
    assert got["bankingDetails"] == "NEW"
    assert portal.result("crm.company.get", {"id": item_id})["BANKING_DETAILS"] == "NEW"


def test_an_item_update_that_changes_nothing_emits_no_event(portal: PortalClient) -> None:
    item_id = portal.result("crm.item.add", {"entityTypeId": 2, "fields": {"title": "Same"}})["item"]["id"]
    portal.result("crm.item.update", {"entityTypeId": 2, "id": item_id, "fields": {"title": "Same"}})
    portal.result("crm.deal.update", {"id": item_id, "fields": {"TITLE": "Same"}})
    events = portal.http.get(
        f"/_b24crm/portals/{portal.hook.portal.id}/events", headers={"Authorization": "Bearer admin-secret"}
    ).json()["result"]
    # crm.item skips the save; the classic update fires as the vendor's CCrmDeal::Update does.
    assert [e["event"] for e in events] == ["ONCRMDEALADD", "ONCRMDEALUPDATE"]


def test_answers_carry_the_type_and_the_disabled_fields(portal: PortalClient) -> None:
    """The vendor's converter appends entityTypeId; the fields its item classes disable are answered as
    null (crm-item-get.md, object-fields.md "Field is disabled")."""
    item = portal.result("crm.item.add", {"entityTypeId": 2, "fields": {"title": "T", "isWon": "Y"}})["item"]
    assert item["entityTypeId"] == 2 and list(item)[-1] == "entityTypeId"
    assert item["isWon"] is None and item["begindateShort"] is None and item["hasProducts"] is None
    got = portal.result(
        "crm.item.get",
        {
            "entityTypeId": 1,
            "id": portal.result("crm.item.add", {"entityTypeId": 1, "fields": {"title": "L"}})["item"]["id"],
        },
    )["item"]
    assert got["entityTypeId"] == 1 and got["isConvert"] is None and got["login"] is None
    listed = portal.result("crm.item.list", {"entityTypeId": 2, "select": ["id", "title"]})["items"]
    assert listed == [{"id": item["id"], "title": "T"}]
