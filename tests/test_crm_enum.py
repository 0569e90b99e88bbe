"""crm.enum.*"""

from __future__ import annotations

import pytest

from tests.client import FORMS, PortalClient


def _names(rows: list[dict]) -> list[tuple[int, str]]:  # type: ignore[type-arg]
    return [(r["ID"], r["NAME"]) for r in rows]


@pytest.mark.parametrize("form", FORMS)
def test_owner_types_in_the_documented_order(portal: PortalClient, form: str) -> None:
    rows = portal.result("crm.enum.ownertype", form=form)
    assert rows[:3] == [
        {"ID": 1, "NAME": "Lead", "SYMBOL_CODE": "LEAD", "SYMBOL_CODE_SHORT": "L"},
        {"ID": 2, "NAME": "Deal", "SYMBOL_CODE": "DEAL", "SYMBOL_CODE_SHORT": "D"},
        {"ID": 3, "NAME": "Contact", "SYMBOL_CODE": "CONTACT", "SYMBOL_CODE_SHORT": "C"},
    ]
    assert [r["ID"] for r in rows] == [1, 2, 3, 4, 5, 31, 7, 8]
    assert [r["SYMBOL_CODE_SHORT"] for r in rows] == ["L", "D", "C", "CO", "I", "SI", "Q", "RQ"]


def test_activity_enums_start_at_zero(portal: PortalClient) -> None:
    expected = {
        "crm.enum.activitytype": ["", "Meeting", "Call", "Task", "E-mail", "Action", "User Action"],
        "crm.enum.activitystatus": ["", "Pending", "Completed", "Automatically Completed"],
        "crm.enum.activitypriority": ["", "low", "medium", "high"],
        "crm.enum.activitydirection": ["", "Incoming", "Outgoing"],
        "crm.enum.activitynotifytype": ["", "min.", "h.", "d."],
        "crm.enum.contenttype": ["", "Plain text", "bbCode", "HTML"],
    }
    for name, values in expected.items():
        rows = portal.result(name)
        assert _names(rows) == list(enumerate(values)), name
        assert all(r["SYMBOL_CODE"] is None and r["SYMBOL_CODE_SHORT"] is None for r in rows), name


def test_enum_fields(portal: PortalClient) -> None:
    fields = portal.result("crm.enum.fields")
    assert list(fields) == ["ID", "NAME", "SYMBOL_CODE", "SYMBOL_CODE_SHORT"]
    assert fields["ID"] == {
        "type": "int",
        "isRequired": False,
        "isReadOnly": True,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": "ID",
    }
    assert fields["SYMBOL_CODE_SHORT"]["title"] == "Short symbol code"


def test_enums_need_the_crm_scope(portal: PortalClient) -> None:
    user_only = portal.with_webhook(portal.hook.user.id, ("user",))
    status, body = user_only.error("crm.enum.ownertype")
    assert (status, body["error"]) == (401, "insufficient_scope")


def test_address_types(portal: PortalClient) -> None:
    types = portal.result("crm.enum.addresstype")
    assert [(t["ID"], t["NAME"]) for t in types] == [
        (11, "Shipping address"),
        (1, "Physical address"),
        (6, "Legal address"),
        (4, "Registered address"),
        (8, "Mailing address"),
        (9, "Beneficiary address"),
    ]
    assert all(t["SYMBOL_CODE"] is None and t["SYMBOL_CODE_SHORT"] is None for t in types)


def test_order_owner_types(portal: PortalClient) -> None:
    deal = {"attribute": "DYN", "code": "DEAL", "id": 2, "name": "Deal"}
    assert portal.result("crm.enum.getorderownertypes") == [deal]
    portal.result("crm.type.add", {"fields": {"title": "Plain"}})
    paid = portal.result("crm.type.add", {"fields": {"title": "Paid", "isPaymentsEnabled": "Y"}})["type"]
    assert paid["isPaymentsEnabled"] == "Y"
    code = f"DYNAMIC_{paid['entityTypeId']}"
    assert portal.result("crm.enum.getorderownertypes") == [
        deal,
        {"attribute": "DYN", "code": code, "id": paid["entityTypeId"], "name": "Paid"},
    ]
