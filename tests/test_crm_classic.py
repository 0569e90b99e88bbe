"""crm.lead/deal/contact/company.*: the classic methods over the same items as crm.item.*."""

from __future__ import annotations

import pytest

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.store import crm_roles
from tests.client import FORMS, PortalClient

ENTITIES = ("lead", "deal", "contact", "company")


@pytest.mark.parametrize("form", FORMS)
def test_deal_lifecycle(portal: PortalClient, form: str) -> None:
    deal_id = portal.result(
        "crm.deal.add", {"fields": {"OPPORTUNITY": "1500.5", "STAGE_ID": "PREPARATION"}}, form=form
    )
    assert deal_id == 1
    deal = portal.result("crm.deal.get", {"id": deal_id}, form=form)
    assert deal["ID"] == "1" and deal["TITLE"] == "Deal #1"
    assert deal["OPPORTUNITY"] == "1500.50" and deal["CURRENCY_ID"] == "USD"
    assert deal["STAGE_ID"] == "PREPARATION" and deal["CATEGORY_ID"] == "0" and deal["TYPE_ID"] == "SALE"
    assert deal["ASSIGNED_BY_ID"] == deal["CREATED_BY_ID"] == deal["MODIFY_BY_ID"] == str(portal.hook.user.id)
    assert deal["OPENED"] == "Y" and deal["CLOSED"] == "N"
    assert deal["DATE_CREATE"].endswith("+00:00")
    assert portal.result("crm.deal.update", {"id": 1, "fields": {"TITLE": "Renamed"}}, form=form) is True
    assert portal.result("crm.deal.get", {"ID": 1}, form=form)["TITLE"] == "Renamed"
    assert portal.result("crm.deal.delete", {"id": 1}, form=form) is True
    assert portal.error("crm.deal.get", {"id": 1}, form=form) == (
        400,
        {"error": "", "error_description": "Not found"},
    )


def test_one_store_two_apis(portal: PortalClient) -> None:
    via_item = portal.result(
        "crm.item.add", {"entityTypeId": 2, "fields": {"title": "From item", "opportunity": 7}}
    )
    assert portal.result("crm.deal.get", {"id": via_item["item"]["id"]})["TITLE"] == "From item"
    classic_id = portal.result("crm.deal.add", {"fields": {"TITLE": "From classic"}})
    assert (
        portal.result("crm.item.get", {"entityTypeId": 2, "id": classic_id})["item"]["title"]
        == "From classic"
    )


def test_lead_uses_status_id(portal: PortalClient) -> None:
    lead_id = portal.result("crm.lead.add", {"fields": {"TITLE": "Inbound", "STATUS_ID": "IN_PROCESS"}})
    lead = portal.result("crm.lead.get", {"id": lead_id})
    assert lead["STATUS_ID"] == "IN_PROCESS" and "STAGE_ID" not in lead
    assert (
        portal.result("crm.item.get", {"entityTypeId": 1, "id": lead_id})["item"]["stageId"] == "IN_PROCESS"
    )


def test_contact_multifields_add_change_delete(portal: PortalClient) -> None:
    contact_id = portal.result(
        "crm.contact.add",
        {
            "fields": {
                "NAME": "Ann",
                "PHONE": [{"VALUE": "+1 555", "VALUE_TYPE": "WORK"}],
                "EMAIL": [{"VALUE": "a@x.io"}],
            }
        },
    )
    contact = portal.result("crm.contact.get", {"id": contact_id})
    assert contact["HAS_PHONE"] == "Y" and contact["HAS_EMAIL"] == "Y"
    phone_id = contact["PHONE"][0]["ID"]
    assert contact["PHONE"] == [{"ID": phone_id, "VALUE_TYPE": "WORK", "VALUE": "+1 555", "TYPE_ID": "PHONE"}]
    portal.result(
        "crm.contact.update",
        {
            "id": contact_id,
            "fields": {
                "PHONE": [{"ID": phone_id, "VALUE": "+1 777"}, {"VALUE": "+1 888", "VALUE_TYPE": "MOBILE"}]
            },
        },
    )
    phones = portal.result("crm.contact.get", {"id": contact_id})["PHONE"]
    assert [(p["ID"] == phone_id, p["VALUE"], p["VALUE_TYPE"]) for p in phones] == [
        (True, "+1 777", "WORK"),
        (False, "+1 888", "MOBILE"),
    ]
    portal.result(
        "crm.contact.update", {"id": contact_id, "fields": {"PHONE": [{"ID": phone_id, "DELETE": "Y"}]}}
    )
    after = portal.result("crm.contact.get", {"id": contact_id})
    assert [p["VALUE"] for p in after["PHONE"]] == ["+1 888"]
    assert after["EMAIL"][0]["VALUE"] == "a@x.io"  # untouched types stay


@pytest.mark.parametrize("entity", ENTITIES)
def test_list_select_filter_order(portal: PortalClient, entity: str) -> None:
    title_field = "NAME" if entity == "contact" else "TITLE"
    for i in range(55):
        portal.result(f"crm.{entity}.add", {"fields": {title_field: f"N{i:02}"}})
    page = portal.call(
        f"crm.{entity}.list", {"order": {"ID": "DESC"}, "select": ["ID", title_field], "filter": {"NOPE": 1}}
    )
    assert page["total"] == 55 and page["next"] == 50
    assert page["result"][0] == {"ID": "55", title_field: "N54"}
    tail = portal.call(f"crm.{entity}.list", {"order": {"ID": "DESC"}, "start": 50, "select": ["ID"]})
    assert [r["ID"] for r in tail["result"]] == ["5", "4", "3", "2", "1"] and "next" not in tail
    found = portal.result(f"crm.{entity}.list", {"filter": {f"%{title_field}": "N1"}, "select": ["ID"]})
    assert len(found) == 10
    fast = portal.call(f"crm.{entity}.list", {"filter": {">ID": 53}, "order": {"ID": "ASC"}, "start": -1})
    assert [r["ID"] for r in fast["result"]] == ["54", "55"] and fast["total"] == 0 and "next" not in fast


@pytest.mark.parametrize("entity", ENTITIES)
def test_fields_are_upper_case_and_typed(portal: PortalClient, entity: str) -> None:
    fields = portal.result(f"crm.{entity}.fields")
    assert fields["ID"]["type"] == "integer" and fields["ID"]["isReadOnly"] is True
    assert fields["OPENED"]["type"] == "char"
    assert fields["DATE_CREATE"]["type"] == "datetime" and fields["CREATED_BY_ID"]["type"] == "user"
    assert ("PHONE" in fields) == (entity != "deal")


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("crm.deal.get", {}, "ID is not defined or invalid."),
        ("crm.deal.get", {"id": "abc"}, "ID is not defined or invalid."),
        ("crm.deal.update", {"id": 0, "fields": {}}, "ID is not defined or invalid."),
        ("crm.deal.delete", {"id": 42}, "Not found"),
        ("crm.deal.add", {"fields": "title"}, "Parameter 'fields' must be array."),
        ("crm.company.add", {"fields": {"COMMENTS": "no title"}}, 'Field "Company name" is required'),
    ],
)
def test_legacy_errors(portal: PortalClient, method: str, params: dict, message: str) -> None:  # type: ignore[type-arg]
    assert portal.error(method, params) == (400, {"error": "", "error_description": message})


def test_permissions_in_the_classic_form(portal: PortalClient) -> None:
    runtime = portal.runtime
    portal_id = portal.hook.portal.id
    reader = runtime.tenancy.create_user(portal_id, name="Reader")
    with runtime.db.write() as conn:
        role = create_role(conn, portal_id, name="Read deals", permissions=dict([parse_grant("2:read=all")]))
        crm_roles.assign(conn, portal_id, reader.id, role)
    deal_id = portal.result("crm.deal.add", {"fields": {"TITLE": "Locked"}})
    as_reader = portal.with_webhook(reader.id, ("crm",))
    assert as_reader.result("crm.deal.get", {"id": deal_id})["TITLE"] == "Locked"
    for method, params in (
        ("crm.deal.update", {"id": deal_id, "fields": {"TITLE": "x"}}),
        ("crm.deal.delete", {"id": deal_id}),
        ("crm.deal.add", {"fields": {"TITLE": "x"}}),
        ("crm.contact.list", {}),
    ):
        assert as_reader.error(method, params) == (
            400,
            {"error": "", "error_description": "Access denied."},
        ), method
    assert portal.result("crm.deal.get", {"id": deal_id})["TITLE"] == "Locked"


@pytest.mark.parametrize(
    ("add", "update", "get", "list_", "delete", "fields", "name_field"),
    [
        (
            "crm.lead.add",
            "crm.lead.update",
            "crm.lead.get",
            "crm.lead.list",
            "crm.lead.delete",
            "crm.lead.fields",
            "TITLE",
        ),
        (
            "crm.deal.add",
            "crm.deal.update",
            "crm.deal.get",
            "crm.deal.list",
            "crm.deal.delete",
            "crm.deal.fields",
            "TITLE",
        ),
        (
            "crm.contact.add",
            "crm.contact.update",
            "crm.contact.get",
            "crm.contact.list",
            "crm.contact.delete",
            "crm.contact.fields",
            "NAME",
        ),
        (
            "crm.company.add",
            "crm.company.update",
            "crm.company.get",
            "crm.company.list",
            "crm.company.delete",
            "crm.company.fields",
            "TITLE",
        ),
    ],
)
def test_each_entity_round_trip(
    portal: PortalClient,
    add: str,
    update: str,
    get: str,
    list_: str,
    delete: str,
    fields: str,
    name_field: str,
) -> None:
    assert name_field in portal.result(fields)
    item_id = portal.result(add, {"fields": {name_field: "First"}})
    assert portal.result(update, {"id": item_id, "fields": {name_field: "Second", "COMMENTS": "c"}}) is True
    got = portal.result(get, {"id": item_id})
    assert (got[name_field], got["COMMENTS"]) == ("Second", "c")
    assert [r["ID"] for r in portal.result(list_, {"select": ["ID"]})] == [str(item_id)]
    assert portal.result(delete, {"id": item_id}) is True
    assert portal.result(list_) == []
    assert portal.error(get, {"id": item_id}) == (400, {"error": "", "error_description": "Not found"})


# crm.deal.fields as documented (api-reference/crm/deals/crm-deal-fields.md): name, type, read-only,
# immutable, multiple, title, extra keys. Transcribed separately from the implementation's table.
DOCUMENTED_DEAL_FIELDS = [
    ("ID", "integer", True, False, False, "ID", {}),
    ("TITLE", "string", False, False, False, "Title", {}),
    ("TYPE_ID", "crm_status", False, False, False, "Type", {"statusType": "DEAL_TYPE"}),
    ("CATEGORY_ID", "crm_category", False, True, False, "Sales Funnel", {}),
    ("STAGE_ID", "crm_status", False, False, False, "Deal Stage", {"statusType": "DEAL_STAGE"}),
    ("STAGE_SEMANTIC_ID", "string", True, False, False, "Stage Group", {}),
    ("IS_NEW", "char", True, False, False, "New Deal", {}),
    ("IS_RECURRING", "char", False, False, False, "Recurring Deal", {}),
    ("IS_RETURN_CUSTOMER", "char", False, False, False, "Repeat Deal", {}),
    ("IS_REPEATED_APPROACH", "char", False, False, False, "Repeated Approach", {}),
    ("PROBABILITY", "integer", False, False, False, "Probability", {}),
    ("CURRENCY_ID", "crm_currency", False, False, False, "Currency", {}),
    ("OPPORTUNITY", "double", False, False, False, "Amount", {}),
    ("IS_MANUAL_OPPORTUNITY", "char", False, False, False, "IS_MANUAL_OPPORTUNITY", {}),
    ("TAX_VALUE", "double", False, False, False, "Tax Rate", {}),
    ("COMPANY_ID", "crm_company", False, False, False, "Company", {"settings": {"parentEntityTypeId": 4}}),
    ("CONTACT_ID", "crm_contact", False, False, False, "Contact", {"isDeprecated": True}),
    ("CONTACT_IDS", "crm_contact", False, False, True, "Contacts", {}),
    ("QUOTE_ID", "crm_quote", True, False, False, "Estimate", {"settings": {"parentEntityTypeId": 7}}),
    ("BEGINDATE", "date", False, False, False, "Start Date", {}),
    ("CLOSEDATE", "date", False, False, False, "Close Date", {}),
    ("OPENED", "char", False, False, False, "Available to All", {}),
    ("CLOSED", "char", False, False, False, "Closed", {}),
    ("COMMENTS", "string", False, False, False, "Comment", {}),
    ("ASSIGNED_BY_ID", "user", False, False, False, "Responsible", {}),
    ("CREATED_BY_ID", "user", True, False, False, "Created By", {}),
    ("MODIFY_BY_ID", "user", True, False, False, "Modified By", {}),
    ("MOVED_BY_ID", "user", True, False, False, "MOVED_BY_ID", {}),
    ("DATE_CREATE", "datetime", True, False, False, "Creation Date", {}),
    ("DATE_MODIFY", "datetime", True, False, False, "Modification Date", {}),
    ("MOVED_TIME", "datetime", True, False, False, "MOVED_TIME", {}),
    ("SOURCE_ID", "crm_status", False, False, False, "Source", {"statusType": "SOURCE"}),
    ("SOURCE_DESCRIPTION", "string", False, False, False, "Additional Info about Source", {}),
    ("LEAD_ID", "crm_lead", True, False, False, "Lead", {"settings": {"parentEntityTypeId": 1}}),
    ("ADDITIONAL_INFO", "string", False, False, False, "Additional Information", {}),
    ("LOCATION_ID", "location", False, False, False, "Location", {}),
    ("ORIGINATOR_ID", "string", False, False, False, "External Source", {}),
    ("ORIGIN_ID", "string", False, False, False, "Identifier in External Source", {}),
    ("UTM_SOURCE", "string", False, False, False, "Advertising System", {}),
    ("UTM_MEDIUM", "string", False, False, False, "Traffic Type", {}),
    ("UTM_CAMPAIGN", "string", False, False, False, "Campaign Identifier", {}),
    ("UTM_CONTENT", "string", False, False, False, "Campaign Content", {}),
    ("UTM_TERM", "string", False, False, False, "Campaign Search Condition", {}),
    ("LAST_ACTIVITY_TIME", "datetime", True, False, False, "LAST_ACTIVITY_TIME", {}),
    ("LAST_ACTIVITY_BY", "user", True, False, False, "LAST_ACTIVITY_BY", {}),
]


def test_deal_fields_snapshot(portal: PortalClient) -> None:
    expected = {
        name: {
            "type": kind,
            "isRequired": False,
            "isReadOnly": read_only,
            "isImmutable": immutable,
            "isMultiple": multiple,
            "isDynamic": False,
            "title": title,
            **extra,
        }
        for name, kind, read_only, immutable, multiple, title, extra in DOCUMENTED_DEAL_FIELDS
    }
    answer = portal.result("crm.deal.fields")
    assert list(answer) == list(expected)
    assert answer == expected


def test_deal_get_leaves_out_contact_ids_and_ignores_read_only_input(portal: PortalClient) -> None:
    deal_id = portal.result("crm.deal.add", {"fields": {"TITLE": "T", "LEAD_ID": 5, "CONTACT_IDS": [1, 2]}})
    deal = portal.result("crm.deal.get", {"id": deal_id})
    assert "CONTACT_IDS" not in deal and deal["LEAD_ID"] is None
    assert portal.result("crm.item.get", {"entityTypeId": 2, "id": deal_id})["item"]["contactIds"] == [1, 2]
    assert list(deal)[:3] == ["ID", "TITLE", "TYPE_ID"]


def test_empty_dates_are_empty_strings_and_deal_date_defaults(portal: PortalClient) -> None:
    contact = portal.result(
        "crm.contact.get", {"id": portal.result("crm.contact.add", {"fields": {"NAME": "A"}})}
    )
    assert contact["BIRTHDATE"] == "" and contact["POST"] is None
    deal = portal.result("crm.deal.get", {"id": portal.result("crm.deal.add", {"fields": {}})})
    begin, close = deal["BEGINDATE"], deal["CLOSEDATE"]
    assert begin.endswith("T00:00:00+00:00") and close.endswith("T00:00:00+00:00")
    from datetime import datetime

    assert (datetime.fromisoformat(close) - datetime.fromisoformat(begin)).days == 7
    assert deal["TAX_VALUE"] == "0.00"


# crm.lead.fields, crm.contact.fields and crm.company.fields as documented (api-reference/crm/leads/
# crm-lead-fields.md, contacts/crm-contact-fields.md, companies/crm-company-fields.md, their example answers),
# without the example portals' UF_* and PARENT_ID_* fields. Transcribed separately from the implementation.
DOCUMENTED_LEAD_FIELDS = [
    ("ID", "integer", "r", "ID", {}),
    ("TITLE", "string", "", "Lead Title", {}),
    ("HONORIFIC", "crm_status", "", "Salutation", {"statusType": "HONORIFIC"}),
    ("NAME", "string", "", "First Name", {}),
    ("SECOND_NAME", "string", "", "Middle Name", {}),
    ("LAST_NAME", "string", "", "Last Name", {}),
    ("BIRTHDATE", "date", "", "Birthdate", {}),
    ("COMPANY_TITLE", "string", "", "Company Name", {}),
    ("SOURCE_ID", "crm_status", "", "Source", {"statusType": "SOURCE"}),
    ("SOURCE_DESCRIPTION", "string", "", "Source Description", {}),
    ("STATUS_ID", "crm_status", "", "Stage", {"statusType": "STATUS"}),
    ("STATUS_DESCRIPTION", "string", "", "Stage Description", {}),
    ("STATUS_SEMANTIC_ID", "string", "r", "Status Semantic", {}),
    ("POST", "string", "", "Position", {}),
    ("ADDRESS", "string", "", "Address", {}),
    ("ADDRESS_2", "string", "", "Address (Line 2)", {}),
    ("ADDRESS_CITY", "string", "", "City", {}),
    ("ADDRESS_POSTAL_CODE", "string", "", "Postal Code", {}),
    ("ADDRESS_REGION", "string", "", "Region", {}),
    ("ADDRESS_PROVINCE", "string", "", "Province", {}),
    ("ADDRESS_COUNTRY", "string", "", "Country", {}),
    ("ADDRESS_COUNTRY_CODE", "string", "", "Country Code", {}),
    ("ADDRESS_LOC_ADDR_ID", "integer", "", "Location Address ID", {}),
    ("CURRENCY_ID", "crm_currency", "", "Currency", {}),
    ("OPPORTUNITY", "double", "", "Amount", {}),
    ("IS_MANUAL_OPPORTUNITY", "char", "", "IS_MANUAL_OPPORTUNITY", {}),
    ("OPENED", "char", "", "Available to All", {}),
    ("COMMENTS", "string", "", "Comments", {}),
    ("HAS_PHONE", "char", "r", "Phone Provided", {}),
    ("HAS_EMAIL", "char", "r", "Email Provided", {}),
    ("HAS_IMOL", "char", "r", "Open Line Assigned", {}),
    ("ASSIGNED_BY_ID", "user", "", "Responsible User", {}),
    ("CREATED_BY_ID", "user", "r", "Created By", {}),
    ("MODIFY_BY_ID", "user", "r", "Modified By", {}),
    ("MOVED_BY_ID", "user", "r", "MOVED_BY_ID", {}),
    ("DATE_CREATE", "datetime", "r", "Creation Date", {}),
    ("DATE_MODIFY", "datetime", "r", "Modification Date", {}),
    ("MOVED_TIME", "datetime", "r", "MOVED_TIME", {}),
    ("COMPANY_ID", "crm_company", "", "Company", {"settings": {"parentEntityTypeId": 4}}),
    ("CONTACT_ID", "crm_contact", "", "Contact", {"isDeprecated": True}),
    ("CONTACT_IDS", "crm_contact", "M", "CONTACT_IDS", {}),
    ("IS_RETURN_CUSTOMER", "char", "r", "Returning Lead", {}),
    ("DATE_CLOSED", "datetime", "r", "Closing Date", {}),
    ("ORIGINATOR_ID", "string", "", "External Source", {}),
    ("ORIGIN_ID", "string", "", "Identifier in External Source", {}),
    ("UTM_SOURCE", "string", "", "Advertising System", {}),
    ("UTM_MEDIUM", "string", "", "Traffic Type", {}),
    ("UTM_CAMPAIGN", "string", "", "Campaign Identifier", {}),
    ("UTM_CONTENT", "string", "", "Campaign Content", {}),
    ("UTM_TERM", "string", "", "Campaign Search Term", {}),
    ("LAST_ACTIVITY_TIME", "datetime", "r", "LAST_ACTIVITY_TIME", {}),
    ("LAST_ACTIVITY_BY", "user", "r", "LAST_ACTIVITY_BY", {}),
    ("PHONE", "crm_multifield", "M", "Phone", {}),
    ("EMAIL", "crm_multifield", "M", "E-mail", {}),
    ("WEB", "crm_multifield", "M", "Website", {}),
    ("IM", "crm_multifield", "M", "Messenger", {}),
    ("LINK", "crm_multifield", "M", "LINK", {}),
]

DOCUMENTED_CONTACT_FIELDS = [
    ("ID", "integer", "r", "ID", {}),
    ("HONORIFIC", "crm_status", "", "Salutation", {"statusType": "HONORIFIC"}),
    ("NAME", "string", "R", "First Name", {}),
    ("SECOND_NAME", "string", "R", "Middle Name", {}),
    ("LAST_NAME", "string", "R", "Last Name", {}),
    ("PHOTO", "file", "", "Photo", {}),
    ("BIRTHDATE", "date", "", "Birthdate", {}),
    ("TYPE_ID", "crm_status", "", "Contact Type", {"statusType": "CONTACT_TYPE"}),
    ("SOURCE_ID", "crm_status", "", "Source", {"statusType": "SOURCE"}),
    ("SOURCE_DESCRIPTION", "string", "", "Additional Source Information", {}),
    ("POST", "string", "", "Position", {}),
    ("ADDRESS", "string", "", "Address", {}),
    ("ADDRESS_2", "string", "", "Address (Line 2)", {}),
    ("ADDRESS_CITY", "string", "", "City", {}),
    ("ADDRESS_POSTAL_CODE", "string", "", "Postal Code", {}),
    ("ADDRESS_REGION", "string", "", "Region", {}),
    ("ADDRESS_PROVINCE", "string", "", "Province", {}),
    ("ADDRESS_COUNTRY", "string", "", "Country", {}),
    ("ADDRESS_COUNTRY_CODE", "string", "", "Country Code", {}),
    ("ADDRESS_LOC_ADDR_ID", "integer", "", "Location Address ID", {}),
    ("COMMENTS", "string", "", "Comment", {}),
    ("OPENED", "char", "", "Available to All", {}),
    ("EXPORT", "char", "", "Participates in Contact Export", {}),
    ("HAS_PHONE", "char", "r", "Phone Set", {}),
    ("HAS_EMAIL", "char", "r", "E-mail Set", {}),
    ("HAS_IMOL", "char", "r", "Open Line Set", {}),
    ("ASSIGNED_BY_ID", "user", "", "Responsible Person", {}),
    ("CREATED_BY_ID", "user", "r", "Created By", {}),
    ("MODIFY_BY_ID", "user", "r", "Modified By", {}),
    ("DATE_CREATE", "datetime", "r", "Creation Date", {}),
    ("DATE_MODIFY", "datetime", "r", "Modification Date", {}),
    ("COMPANY_ID", "crm_company", "", "Company", {"isDeprecated": True}),
    ("COMPANY_IDS", "crm_company", "M", "COMPANY_IDS", {}),
    ("LEAD_ID", "crm_lead", "r", "Lead", {"settings": {"parentEntityTypeId": 1}}),
    ("ORIGINATOR_ID", "string", "", "External Source", {}),
    ("ORIGIN_ID", "string", "", "Identifier in External Source", {}),
    ("ORIGIN_VERSION", "string", "", "Original Version", {}),
    ("UTM_SOURCE", "string", "", "Advertising System", {}),
    ("UTM_MEDIUM", "string", "", "Traffic Type", {}),
    ("UTM_CAMPAIGN", "string", "", "Campaign Identifier", {}),
    ("UTM_CONTENT", "string", "", "Campaign Content", {}),
    ("UTM_TERM", "string", "", "Campaign Search Condition", {}),
    ("LAST_ACTIVITY_TIME", "datetime", "r", "Last Activity", {}),
    ("LAST_ACTIVITY_BY", "user", "r", "Last Activity By", {}),
    ("PHONE", "crm_multifield", "M", "Phone", {}),
    ("EMAIL", "crm_multifield", "M", "E-mail", {}),
    ("WEB", "crm_multifield", "M", "Website", {}),
    ("IM", "crm_multifield", "M", "Messenger", {}),
    ("LINK", "crm_multifield", "M", "LINK", {}),
]

DOCUMENTED_COMPANY_FIELDS = [
    ("ID", "integer", "r", "ID", {}),
    ("TITLE", "string", "R", "Company Name", {}),
    ("COMPANY_TYPE", "crm_status", "", "Company Type", {"statusType": "COMPANY_TYPE"}),
    ("LOGO", "file", "", "Logo", {}),
    ("ADDRESS", "string", "", "Physical Address", {}),
    ("ADDRESS_2", "string", "", "Address (line 2)", {}),
    ("ADDRESS_CITY", "string", "", "City", {}),
    ("ADDRESS_POSTAL_CODE", "string", "", "Postal Code", {}),
    ("ADDRESS_REGION", "string", "", "Region", {}),
    ("ADDRESS_PROVINCE", "string", "", "Province", {}),
    ("ADDRESS_COUNTRY", "string", "", "Country", {}),
    ("ADDRESS_COUNTRY_CODE", "string", "", "Country Code", {}),
    ("ADDRESS_LOC_ADDR_ID", "integer", "", "Location Address ID", {}),
    ("ADDRESS_LEGAL", "string", "", "Legal Address", {}),
    ("REG_ADDRESS", "string", "", "Legal Address", {}),
    ("REG_ADDRESS_2", "string", "", "Legal Address (line 2)", {}),
    ("REG_ADDRESS_CITY", "string", "", "Legal Address City", {}),
    ("REG_ADDRESS_POSTAL_CODE", "string", "", "Legal Address Postal Code", {}),
    ("REG_ADDRESS_REGION", "string", "", "Legal Address Region", {}),
    ("REG_ADDRESS_PROVINCE", "string", "", "Legal Address Province", {}),
    ("REG_ADDRESS_COUNTRY", "string", "", "Legal Address Country", {}),
    ("REG_ADDRESS_COUNTRY_CODE", "string", "", "Legal Address Country Code", {}),
    ("REG_ADDRESS_LOC_ADDR_ID", "integer", "", "Legal Address Location ID", {}),
    ("BANKING_DETAILS", "string", "", "Banking Details", {}),
    ("INDUSTRY", "crm_status", "", "Industry", {"statusType": "INDUSTRY"}),
    ("EMPLOYEES", "crm_status", "", "Number of Employees", {"statusType": "EMPLOYEES"}),
    ("CURRENCY_ID", "crm_currency", "", "Currency", {}),
    ("REVENUE", "double", "", "Annual Revenue", {}),
    ("OPENED", "char", "", "Available to Everyone", {}),
    ("COMMENTS", "string", "", "Comment", {}),
    ("HAS_PHONE", "char", "r", "Phone Set", {}),
    ("HAS_EMAIL", "char", "r", "E-mail Set", {}),
    ("HAS_IMOL", "char", "r", "Open Line Set", {}),
    ("IS_MY_COMPANY", "char", "", "My Company", {}),
    ("ASSIGNED_BY_ID", "user", "", "Responsible Person", {}),
    ("CREATED_BY_ID", "user", "r", "Created By", {}),
    ("MODIFY_BY_ID", "user", "r", "Modified By", {}),
    ("DATE_CREATE", "datetime", "r", "Creation Date", {}),
    ("DATE_MODIFY", "datetime", "r", "Modification Date", {}),
    ("CONTACT_ID", "crm_contact", "M", "Contact", {}),
    ("LEAD_ID", "crm_lead", "r", "Lead", {"settings": {"parentEntityTypeId": 1}}),
    ("ORIGINATOR_ID", "string", "", "External Source", {}),
    ("ORIGIN_ID", "string", "", "Identifier in External Source", {}),
    ("ORIGIN_VERSION", "string", "", "Original Version", {}),
    ("UTM_SOURCE", "string", "", "Advertising System", {}),
    ("UTM_MEDIUM", "string", "", "Traffic Type", {}),
    ("UTM_CAMPAIGN", "string", "", "Campaign Identifier", {}),
    ("UTM_CONTENT", "string", "", "Campaign Content", {}),
    ("UTM_TERM", "string", "", "Campaign Search Term", {}),
    ("LAST_ACTIVITY_TIME", "datetime", "", "Last Activity Time", {}),
    ("LAST_ACTIVITY_BY", "user", "", "Last Activity Author", {}),
    ("LAST_COMMUNICATION_TIME", "string", "r", "Last Communication Date", {}),
    ("PHONE", "crm_multifield", "M", "Phone", {}),
    ("EMAIL", "crm_multifield", "M", "E-mail", {}),
    ("WEB", "crm_multifield", "M", "Website", {}),
    ("IM", "crm_multifield", "M", "Messenger", {}),
    ("LINK", "crm_multifield", "M", "LINK", {}),
]


def _documented(rows: list[tuple[str, str, str, str, dict]]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Rows of (name, type, flags, title, extra keys) as the vendor writes them: flags R required,
    r read-only, I immutable, M multiple; isDeprecated and statusType before the title, settings after."""
    described = {}
    for name, kind, flags, title, extra in rows:
        entry = {
            "type": kind,
            "isRequired": "R" in flags,
            "isReadOnly": "r" in flags,
            "isImmutable": "I" in flags,
            "isMultiple": "M" in flags,
            "isDynamic": False,
        }
        entry.update({k: v for k, v in extra.items() if k in ("isDeprecated", "statusType")})
        entry["title"] = title
        entry.update({k: v for k, v in extra.items() if k not in entry})
        described[name] = entry
    return described


@pytest.mark.parametrize(
    ("entity", "rows"),
    [
        ("lead", DOCUMENTED_LEAD_FIELDS),
        ("contact", DOCUMENTED_CONTACT_FIELDS),
        ("company", DOCUMENTED_COMPANY_FIELDS),
    ],
    ids=["lead", "contact", "company"],
)
def test_lead_contact_company_fields_snapshot(portal: PortalClient, entity: str, rows: list) -> None:  # type: ignore[type-arg]
    expected = _documented(rows)
    answer = portal.result(f"crm.{entity}.fields")
    assert list(answer) == list(expected)
    assert answer == expected
    assert [list(v) for v in answer.values()] == [list(v) for v in expected.values()]


def test_classic_only_fields_round_trip(portal: PortalClient) -> None:
    contact_id = portal.result(
        "crm.contact.add",
        {
            "fields": {
                "NAME": "Ann",
                "ADDRESS": "1 Main St",
                "ADDRESS_CITY": "Springfield",
                "ADDRESS_LOC_ADDR_ID": "12",
                "ORIGIN_VERSION": "v3",
                "HAS_PHONE": "Y",
                "COMPANY_IDS": [4, 5],
                "LINK": [{"VALUE": "https://example.org/ann", "VALUE_TYPE": "USER"}],
            }
        },
    )
    contact = portal.result("crm.contact.get", {"id": contact_id})
    assert (contact["ADDRESS"], contact["ADDRESS_CITY"], contact["ADDRESS_2"]) == (
        "1 Main St",
        "Springfield",
        None,
    )
    assert contact["ADDRESS_LOC_ADDR_ID"] == "12" and contact["ORIGIN_VERSION"] == "v3"
    assert contact["HAS_PHONE"] == "N" and "COMPANY_IDS" not in contact
    assert [(m["VALUE"], m["TYPE_ID"]) for m in contact["LINK"]] == [("https://example.org/ann", "LINK")]
    item = portal.result("crm.item.get", {"entityTypeId": 3, "id": contact_id})["item"]
    assert item["companyIds"] == [4, 5]
    # Changing other fields, through either API, keeps them.
    portal.result("crm.item.update", {"entityTypeId": 3, "id": contact_id, "fields": {"name": "Anne"}})
    portal.result("crm.contact.update", {"id": contact_id, "fields": {"ADDRESS_CITY": "Shelbyville"}})
    contact = portal.result("crm.contact.get", {"id": contact_id})
    assert (contact["NAME"], contact["ADDRESS"], contact["ADDRESS_CITY"]) == (
        "Anne",
        "1 Main St",
        "Shelbyville",
    )
    found = portal.result(
        "crm.contact.list", {"filter": {"ADDRESS_CITY": "Shelbyville"}, "select": ["ADDRESS"]}
    )
    assert found == [{"ID": str(contact_id), "ADDRESS": "1 Main St"}]

    company_id = portal.result(
        "crm.company.add",
        {
            "fields": {
                "TITLE": "Acme",
                "REG_ADDRESS": "2 Court Rd",
                "BANKING_DETAILS": "IBAN 1",
                "CONTACT_ID": [7],
            }
        },
    )
    company = portal.result("crm.company.get", {"id": company_id})
    assert (company["REG_ADDRESS"], company["BANKING_DETAILS"]) == ("2 Court Rd", "IBAN 1")
    assert company["LAST_COMMUNICATION_TIME"] is None and "CONTACT_ID" not in company
    assert portal.result("crm.item.get", {"entityTypeId": 4, "id": company_id})["item"]["contactIds"] == [7]

    lead_id = portal.result(
        "crm.lead.add", {"fields": {"TITLE": "L", "ADDRESS_2": "Flat 3", "DATE_CLOSED": "2024-01-01"}}
    )
    lead = portal.result("crm.lead.get", {"id": lead_id})
    assert lead["ADDRESS_2"] == "Flat 3" and lead["DATE_CLOSED"] == "" and "CONTACT_IDS" not in lead


def test_has_flags_in_lists_without_multifields(portal: PortalClient) -> None:
    portal.result("crm.contact.add", {"fields": {"NAME": "A", "EMAIL": [{"VALUE": "a@x.io"}]}})
    (row,) = portal.result("crm.contact.list")
    assert (row["HAS_PHONE"], row["HAS_EMAIL"], row["HAS_IMOL"]) == ("N", "Y", "N")
    assert "EMAIL" not in row
    keys = list(row)  # the flags keep their documented place
    assert keys.index("EXPORT") < keys.index("HAS_PHONE") < keys.index("ASSIGNED_BY_ID")
    (selected,) = portal.result("crm.contact.list", {"select": ["HAS_EMAIL", "EMAIL"]})
    assert selected["HAS_EMAIL"] == "Y" and selected["EMAIL"][0]["VALUE"] == "a@x.io"


def test_classic_only_fields_stay_out_of_the_item_api(portal: PortalClient) -> None:
    contact_id = portal.result("crm.contact.add", {"fields": {"NAME": "Ann", "ADDRESS_CITY": "Riga"}})
    assert portal.result("crm.contact.get", {"id": contact_id})["ADDRESS_CITY"] == "Riga"
    described = portal.result("crm.item.fields", {"entityTypeId": 3})["fields"]
    item = portal.result("crm.item.get", {"entityTypeId": 3, "id": contact_id})["item"]
    assert "addressCity" not in described and "addressCity" not in item
    status, body = portal.error("crm.item.list", {"entityTypeId": 3, "filter": {"addressCity": "Riga"}})
    assert (status, body["error"]) == (400, "INVALID_ARG_VALUE")
    # Given through crm.item.*, the classic-only field is an unknown field: ignored, the stored value stays.
    portal.result("crm.item.update", {"entityTypeId": 3, "id": contact_id, "fields": {"addressCity": "Oslo"}})
    assert portal.result("crm.contact.get", {"id": contact_id})["ADDRESS_CITY"] == "Riga"


@pytest.mark.parametrize("entity", ["lead", "contact", "company"])
def test_has_phone_is_kept_with_the_multifields_and_filters(portal: PortalClient, entity: str) -> None:
    name = {"lead": {"TITLE": "L"}, "contact": {"NAME": "C"}, "company": {"TITLE": "Co"}}[entity]
    phoned = portal.result(f"crm.{entity}.add", {"fields": {**name, "PHONE": [{"VALUE": "+1555"}]}})
    plain = portal.result(f"crm.{entity}.add", {"fields": name})
    listed = portal.result(
        f"crm.{entity}.list", {"filter": {"HAS_PHONE": "Y"}, "select": ["ID", "HAS_PHONE"]}
    )
    assert listed == [{"ID": str(phoned), "HAS_PHONE": "Y"}]
    assert [r["ID"] for r in portal.result(f"crm.{entity}.list", {"filter": {"HAS_PHONE": "N"}})] == [
        str(plain)
    ]
    # Removing the phone clears the flag.
    (phone,) = portal.result(f"crm.{entity}.get", {"id": phoned})["PHONE"]
    portal.result(
        f"crm.{entity}.update", {"id": phoned, "fields": {"PHONE": [{"ID": phone["ID"], "DELETE": "Y"}]}}
    )
    assert portal.result(f"crm.{entity}.get", {"id": phoned})["HAS_PHONE"] == "N"
    assert portal.result(f"crm.{entity}.list", {"filter": {"HAS_PHONE": "Y"}}) == []


def test_list_filters_on_multifields(portal: PortalClient) -> None:
    """PHONE, EMAIL, ... filter by the item's values of that type (crm-contact-list.md's example filters
    by EMAIL); an empty value leaves the condition out."""
    phone = [{"VALUE": "+15550100", "VALUE_TYPE": "WORK"}]
    first = portal.result("crm.contact.add", {"fields": {"NAME": "A", "PHONE": phone}})
    email = [{"VALUE": "Docs@Example.com", "VALUE_TYPE": "WORK"}]
    second = portal.result("crm.contact.add", {"fields": {"NAME": "B", "EMAIL": email}})

    def ids(filter_: dict[str, object]) -> list[int]:
        rows = portal.result("crm.contact.list", {"select": ["ID"], "filter": filter_})
        return [int(r["ID"]) for r in rows]

    assert ids({"PHONE": "+15550100"}) == [first]
    assert ids({"EMAIL": "docs@example.com"}) == [second]
    assert ids({"EMAIL": "nobody@example.com"}) == []
    assert ids({"%EMAIL": "example"}) == [second]
    assert ids({"!PHONE": "+15550100"}) == [second]
    assert ids({"PHONE": ""}) == [first, second]
    assert ids({"PHONE": ["+15550100", "+1"], "NAME": "A"}) == [first]


def test_deal_fields_the_vendor_derives(portal: PortalClient) -> None:
    """CONTACT_ID is the first of CONTACT_IDS; TAX_VALUE sums product rows (none here: 0, as the crm.item.add
    example answers 0 for a tax of 99.9); a new deal's last activity is its creation."""
    contacts = [portal.result("crm.contact.add", {"fields": {"NAME": n}}) for n in ("A", "B")]
    deal_id = portal.result(
        "crm.deal.add", {"fields": {"TITLE": "D", "CONTACT_IDS": contacts, "TAX_VALUE": 99.9}}
    )
    deal = portal.result("crm.deal.get", {"id": deal_id})
    assert deal["CONTACT_ID"] == str(contacts[0]) and deal["TAX_VALUE"] == "0.00"
    assert deal["LAST_ACTIVITY_TIME"] == deal["DATE_CREATE"]
    assert deal["LAST_ACTIVITY_BY"] == deal["CREATED_BY_ID"]
    portal.result("crm.deal.update", {"id": deal_id, "fields": {"CONTACT_IDS": [contacts[1]]}})
    assert portal.result("crm.deal.get", {"id": deal_id})["CONTACT_ID"] == str(contacts[1])
    single = portal.result("crm.deal.add", {"fields": {"TITLE": "S", "CONTACT_ID": contacts[1]}})
    item = portal.result("crm.item.get", {"entityTypeId": 2, "id": single})["item"]
    assert item["contactId"] == contacts[1] and item["contactIds"] == [contacts[1]]


def test_params_must_be_an_array(portal: PortalClient) -> None:
    """crm-deal-add.md / crm-deal-update.md: "Parameter 'params' must be array."; an array passes."""
    refused = (400, {"error": "", "error_description": "Parameter 'params' must be array."})
    assert portal.error("crm.deal.add", {"fields": {"TITLE": "T"}, "params": "Y"}) == refused
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "T"}, "params": {"REGISTER_SONET_EVENT": "Y"}})
    assert portal.error("crm.deal.update", {"id": deal, "fields": {"TITLE": "U"}, "params": "Y"}) == refused
    assert portal.result("crm.deal.update", {"id": deal, "fields": {"TITLE": "U"}, "params": []}) is True


def test_a_currency_code_that_names_no_currency_is_refused(portal: PortalClient) -> None:
    """Every code of the vendor's currency module is three letters: anything else is none of the portal's
    currencies, answered as crm.deal.add/update document it (classic) or as a field error (crm.item)."""
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "D", "CURRENCY_ID": "EUR"}})
    for bad in ("EURO", "12", "E", "€€€", {"a": 1}):
        for method, params in (
            ("crm.deal.add", {"fields": {"TITLE": "D", "CURRENCY_ID": bad}}),
            ("crm.deal.update", {"id": deal, "fields": {"CURRENCY_ID": bad}}),
            ("crm.lead.add", {"fields": {"TITLE": "L", "CURRENCY_ID": bad}}),
        ):
            status, body = portal.error(method, params)
            assert (status, body) == (
                400,
                {"error": "", "error_description": 'Invalid value for the "Currency" field'},
            )
        status, body = portal.error(
            "crm.item.add", {"entityTypeId": 2, "fields": {"title": "D", "currencyId": bad}}
        )
        assert (status, body["error"], body["error_description"]) == (
            400,
            "CRM_FIELD_ERROR_VALUE_NOT_VALID",
            'Invalid value for field "Currency"',
        )
    assert portal.result("crm.deal.get", {"id": deal})["CURRENCY_ID"] == "EUR"
    portal.result("crm.deal.update", {"id": deal, "fields": {"CURRENCY_ID": "GBP"}})
    assert portal.result("crm.deal.get", {"id": deal})["CURRENCY_ID"] == "GBP"
    assert portal.result("crm.deal.list", {"filter": {"TITLE": "D"}, "select": ["ID"]}) == [{"ID": str(deal)}]
