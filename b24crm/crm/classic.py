"""The classic crm.lead/deal/contact/company.* methods, as a translation over the items service.

The same stored items, seen through the older API: UPPER_CASE field names (a few of them historical:
``DATE_CREATE``, ``MODIFY_BY_ID``, a lead's ``STATUS_ID``, a company's ``COMPANY_TYPE``), every scalar a
string, multifields as ``PHONE``/``EMAIL``/``WEB``/``IM``/``LINK`` lists, and errors with an empty code
(docs: api-reference/crm/{leads,deals,contacts,companies}/crm-<entity>-*.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import items
from b24crm.crm.fields import ID_TYPES, ItemField, catalogue, description
from b24crm.php.dates import iso
from b24crm.results import Page, legacy_page
from b24crm.store import crm_items
from b24crm.store.filters import split_key, to_int

ENTITIES = {"lead": et.LEAD, "deal": et.DEAL, "contact": et.CONTACT, "company": et.COMPANY}
MULTIFIELD_NAMES = ("PHONE", "EMAIL", "WEB", "IM", "LINK")

# Legacy errors: an empty code, HTTP 400.
ID_INVALID = errors.Legacy.ID_INVALID
NOT_FOUND = errors.ErrorSpec("", "Not found")
ACCESS_DENIED = errors.Legacy.ACCESS_DENIED
FIELDS_NOT_ARRAY = errors.Legacy.not_array("fields")

# ``Legacy.field`` of PHONE, EMAIL, ...: no stored field of their own but the item's multifields of a type.
MULTIFIELD = "fm"


@dataclass(frozen=True)
class Legacy:
    """A field as a classic ``crm.<entity>.fields`` describes it, and the stored field behind it."""

    name: str
    field: str  # the camelCase field it is stored as, or MULTIFIELD
    type: str
    title: str
    required: bool = False
    read_only: bool = False
    immutable: bool = False
    multiple: bool = False
    status_type: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()  # more keys of the description (isDeprecated, settings)
    listed: bool = True  # shown by get and list

    @property
    def stored(self) -> bool:
        """Backed by a stored field of its own (not a multifield type)."""
        return self.field != MULTIFIELD

    def describe(self) -> dict[str, Any]:
        described = description(
            self.type,
            required=self.required,
            read_only=self.read_only,
            immutable=self.immutable,
            multiple=self.multiple,
        )
        extra = dict(self.extra)
        if "isDeprecated" in extra:
            described["isDeprecated"] = extra.pop("isDeprecated")
        if self.status_type:
            described["statusType"] = self.status_type
        described["title"] = self.title
        described.update(extra)
        return described


def _l(name: str, field: str, type_: str, title: str, **flags: Any) -> Legacy:
    return Legacy(name, field, type_, title, **flags)


_HAS_FIELDS = {"HAS_PHONE": "hasPhone", "HAS_EMAIL": "hasEmail", "HAS_IMOL": "hasImol"}


def _has(name: str, title: str) -> Legacy:
    """HAS_PHONE and kin: the flags the item keeps with its multifields (filterable, as the vendor's)."""
    return Legacy(name, _HAS_FIELDS[name], "char", title, read_only=True)


def _mf(name: str, title: str) -> Legacy:
    return Legacy(name, MULTIFIELD, "crm_multifield", title, multiple=True)


RO = {"read_only": True}
PARENT = "settings"

# crm.deal.fields exactly as documented (api-reference/crm/deals/crm-deal-fields.md), in its order.
DEAL_LEGACY = (
    _l("ID", "id", "integer", "ID", **RO),
    _l("TITLE", "title", "string", "Title"),
    _l("TYPE_ID", "typeId", "crm_status", "Type", status_type="DEAL_TYPE"),
    _l("CATEGORY_ID", "categoryId", "crm_category", "Sales Funnel", immutable=True),
    _l("STAGE_ID", "stageId", "crm_status", "Deal Stage", status_type="DEAL_STAGE"),
    _l("STAGE_SEMANTIC_ID", "stageSemanticId", "string", "Stage Group", **RO),
    _l("IS_NEW", "isNew", "char", "New Deal", **RO),
    _l("IS_RECURRING", "isRecurring", "char", "Recurring Deal"),
    _l("IS_RETURN_CUSTOMER", "isReturnCustomer", "char", "Repeat Deal"),
    _l("IS_REPEATED_APPROACH", "isRepeatedApproach", "char", "Repeated Approach"),
    _l("PROBABILITY", "probability", "integer", "Probability"),
    _l("CURRENCY_ID", "currencyId", "crm_currency", "Currency"),
    _l("OPPORTUNITY", "opportunity", "double", "Amount"),
    _l("IS_MANUAL_OPPORTUNITY", "isManualOpportunity", "char", "IS_MANUAL_OPPORTUNITY"),
    _l("TAX_VALUE", "taxValue", "double", "Tax Rate"),
    _l("COMPANY_ID", "companyId", "crm_company", "Company", extra=((PARENT, {"parentEntityTypeId": 4}),)),
    _l("CONTACT_ID", "contactId", "crm_contact", "Contact", extra=(("isDeprecated", True),)),
    _l("CONTACT_IDS", "contactIds", "crm_contact", "Contacts", multiple=True, listed=False),
    _l(
        "QUOTE_ID",
        "quoteId",
        "crm_quote",
        "Estimate",
        read_only=True,
        extra=((PARENT, {"parentEntityTypeId": 7}),),
    ),
    _l("BEGINDATE", "begindate", "date", "Start Date"),
    _l("CLOSEDATE", "closedate", "date", "Close Date"),
    _l("OPENED", "opened", "char", "Available to All"),
    _l("CLOSED", "closed", "char", "Closed"),
    _l("COMMENTS", "comments", "string", "Comment"),
    _l("ASSIGNED_BY_ID", "assignedById", "user", "Responsible"),
    _l("CREATED_BY_ID", "createdBy", "user", "Created By", **RO),
    _l("MODIFY_BY_ID", "updatedBy", "user", "Modified By", **RO),
    _l("MOVED_BY_ID", "movedBy", "user", "MOVED_BY_ID", **RO),
    _l("DATE_CREATE", "createdTime", "datetime", "Creation Date", **RO),
    _l("DATE_MODIFY", "updatedTime", "datetime", "Modification Date", **RO),
    _l("MOVED_TIME", "movedTime", "datetime", "MOVED_TIME", **RO),
    _l("SOURCE_ID", "sourceId", "crm_status", "Source", status_type="SOURCE"),
    _l("SOURCE_DESCRIPTION", "sourceDescription", "string", "Additional Info about Source"),
    _l("LEAD_ID", "leadId", "crm_lead", "Lead", read_only=True, extra=((PARENT, {"parentEntityTypeId": 1}),)),
    _l("ADDITIONAL_INFO", "additionalInfo", "string", "Additional Information"),
    _l("LOCATION_ID", "locationId", "location", "Location"),
    _l("ORIGINATOR_ID", "originatorId", "string", "External Source"),
    _l("ORIGIN_ID", "originId", "string", "Identifier in External Source"),
    _l("UTM_SOURCE", "utmSource", "string", "Advertising System"),
    _l("UTM_MEDIUM", "utmMedium", "string", "Traffic Type"),
    _l("UTM_CAMPAIGN", "utmCampaign", "string", "Campaign Identifier"),
    _l("UTM_CONTENT", "utmContent", "string", "Campaign Content"),
    _l("UTM_TERM", "utmTerm", "string", "Campaign Search Condition"),
    _l("LAST_ACTIVITY_TIME", "lastActivityTime", "datetime", "LAST_ACTIVITY_TIME", **RO),
    _l("LAST_ACTIVITY_BY", "lastActivityBy", "user", "LAST_ACTIVITY_BY", **RO),
)


# The documented answers of crm.lead.fields (api-reference/crm/leads/crm-lead-fields.md), crm.contact.fields
# (contacts/crm-contact-fields.md) and crm.company.fields (companies/crm-company-fields.md), in their order.
# Not here: the UF_* and PARENT_ID_<type> fields of the example portals (user fields and smart-process
# relations, which b24crm does not model yet).
# Runs of fields the lead, contact and company answers share word for word.
_ADDRESS_PARTS = (
    _l("ADDRESS_CITY", "addressCity", "string", "City"),
    _l("ADDRESS_POSTAL_CODE", "addressPostalCode", "string", "Postal Code"),
    _l("ADDRESS_REGION", "addressRegion", "string", "Region"),
    _l("ADDRESS_PROVINCE", "addressProvince", "string", "Province"),
    _l("ADDRESS_COUNTRY", "addressCountry", "string", "Country"),
    _l("ADDRESS_COUNTRY_CODE", "addressCountryCode", "string", "Country Code"),
    _l("ADDRESS_LOC_ADDR_ID", "addressLocAddrId", "integer", "Location Address ID"),
)
_UTM = (
    _l("UTM_SOURCE", "utmSource", "string", "Advertising System"),
    _l("UTM_MEDIUM", "utmMedium", "string", "Traffic Type"),
    _l("UTM_CAMPAIGN", "utmCampaign", "string", "Campaign Identifier"),
    _l("UTM_CONTENT", "utmContent", "string", "Campaign Content"),
    _l("UTM_TERM", "utmTerm", "string", "Campaign Search Term"),
)
_MULTIFIELDS = (
    _mf("PHONE", "Phone"),
    _mf("EMAIL", "E-mail"),
    _mf("WEB", "Website"),
    _mf("IM", "Messenger"),
    _mf("LINK", "LINK"),
)

LEAD_LEGACY = (
    _l("ID", "id", "integer", "ID", **RO),
    _l("TITLE", "title", "string", "Lead Title"),
    _l("HONORIFIC", "honorific", "crm_status", "Salutation", status_type="HONORIFIC"),
    _l("NAME", "name", "string", "First Name"),
    _l("SECOND_NAME", "secondName", "string", "Middle Name"),
    _l("LAST_NAME", "lastName", "string", "Last Name"),
    _l("BIRTHDATE", "birthdate", "date", "Birthdate"),
    _l("COMPANY_TITLE", "companyTitle", "string", "Company Name"),
    _l("SOURCE_ID", "sourceId", "crm_status", "Source", status_type="SOURCE"),
    _l("SOURCE_DESCRIPTION", "sourceDescription", "string", "Source Description"),
    _l("STATUS_ID", "stageId", "crm_status", "Stage", status_type="STATUS"),
    _l("STATUS_DESCRIPTION", "statusDescription", "string", "Stage Description"),
    _l("STATUS_SEMANTIC_ID", "stageSemanticId", "string", "Status Semantic", **RO),
    _l("POST", "post", "string", "Position"),
    _l("ADDRESS", "address", "string", "Address"),
    _l("ADDRESS_2", "address2", "string", "Address (Line 2)"),
    *_ADDRESS_PARTS,
    _l("CURRENCY_ID", "currencyId", "crm_currency", "Currency"),
    _l("OPPORTUNITY", "opportunity", "double", "Amount"),
    _l("IS_MANUAL_OPPORTUNITY", "isManualOpportunity", "char", "IS_MANUAL_OPPORTUNITY"),
    _l("OPENED", "opened", "char", "Available to All"),
    _l("COMMENTS", "comments", "string", "Comments"),
    _has("HAS_PHONE", "Phone Provided"),
    _has("HAS_EMAIL", "Email Provided"),
    _has("HAS_IMOL", "Open Line Assigned"),
    _l("ASSIGNED_BY_ID", "assignedById", "user", "Responsible User"),
    _l("CREATED_BY_ID", "createdBy", "user", "Created By", **RO),
    _l("MODIFY_BY_ID", "updatedBy", "user", "Modified By", **RO),
    _l("MOVED_BY_ID", "movedBy", "user", "MOVED_BY_ID", **RO),
    _l("DATE_CREATE", "createdTime", "datetime", "Creation Date", **RO),
    _l("DATE_MODIFY", "updatedTime", "datetime", "Modification Date", **RO),
    _l("MOVED_TIME", "movedTime", "datetime", "MOVED_TIME", **RO),
    _l("COMPANY_ID", "companyId", "crm_company", "Company", extra=((PARENT, {"parentEntityTypeId": 4}),)),
    _l("CONTACT_ID", "contactId", "crm_contact", "Contact", extra=(("isDeprecated", True),)),
    _l("CONTACT_IDS", "contactIds", "crm_contact", "CONTACT_IDS", multiple=True, listed=False),
    _l("IS_RETURN_CUSTOMER", "isReturnCustomer", "char", "Returning Lead", **RO),
    _l("DATE_CLOSED", "dateClosed", "datetime", "Closing Date", **RO),
    _l("ORIGINATOR_ID", "originatorId", "string", "External Source"),
    _l("ORIGIN_ID", "originId", "string", "Identifier in External Source"),
    *_UTM,
    _l("LAST_ACTIVITY_TIME", "lastActivityTime", "datetime", "LAST_ACTIVITY_TIME", **RO),
    _l("LAST_ACTIVITY_BY", "lastActivityBy", "user", "LAST_ACTIVITY_BY", **RO),
    *_MULTIFIELDS,
)

CONTACT_LEGACY = (
    _l("ID", "id", "integer", "ID", **RO),
    _l("HONORIFIC", "honorific", "crm_status", "Salutation", status_type="HONORIFIC"),
    _l("NAME", "name", "string", "First Name", required=True),
    _l("SECOND_NAME", "secondName", "string", "Middle Name", required=True),
    _l("LAST_NAME", "lastName", "string", "Last Name", required=True),
    _l("PHOTO", "photo", "file", "Photo"),
    _l("BIRTHDATE", "birthdate", "date", "Birthdate"),
    _l("TYPE_ID", "typeId", "crm_status", "Contact Type", status_type="CONTACT_TYPE"),
    _l("SOURCE_ID", "sourceId", "crm_status", "Source", status_type="SOURCE"),
    _l("SOURCE_DESCRIPTION", "sourceDescription", "string", "Additional Source Information"),
    _l("POST", "post", "string", "Position"),
    _l("ADDRESS", "address", "string", "Address"),
    _l("ADDRESS_2", "address2", "string", "Address (Line 2)"),
    *_ADDRESS_PARTS,
    _l("COMMENTS", "comments", "string", "Comment"),
    _l("OPENED", "opened", "char", "Available to All"),
    _l("EXPORT", "export", "char", "Participates in Contact Export"),
    _has("HAS_PHONE", "Phone Set"),
    _has("HAS_EMAIL", "E-mail Set"),
    _has("HAS_IMOL", "Open Line Set"),
    _l("ASSIGNED_BY_ID", "assignedById", "user", "Responsible Person"),
    _l("CREATED_BY_ID", "createdBy", "user", "Created By", **RO),
    _l("MODIFY_BY_ID", "updatedBy", "user", "Modified By", **RO),
    _l("DATE_CREATE", "createdTime", "datetime", "Creation Date", **RO),
    _l("DATE_MODIFY", "updatedTime", "datetime", "Modification Date", **RO),
    _l("COMPANY_ID", "companyId", "crm_company", "Company", extra=(("isDeprecated", True),)),
    _l("COMPANY_IDS", "companyIds", "crm_company", "COMPANY_IDS", multiple=True, listed=False),
    _l("LEAD_ID", "leadId", "crm_lead", "Lead", read_only=True, extra=((PARENT, {"parentEntityTypeId": 1}),)),
    _l("ORIGINATOR_ID", "originatorId", "string", "External Source"),
    _l("ORIGIN_ID", "originId", "string", "Identifier in External Source"),
    _l("ORIGIN_VERSION", "originVersion", "string", "Original Version"),
    _l("UTM_SOURCE", "utmSource", "string", "Advertising System"),
    _l("UTM_MEDIUM", "utmMedium", "string", "Traffic Type"),
    _l("UTM_CAMPAIGN", "utmCampaign", "string", "Campaign Identifier"),
    _l("UTM_CONTENT", "utmContent", "string", "Campaign Content"),
    _l("UTM_TERM", "utmTerm", "string", "Campaign Search Condition"),
    _l("LAST_ACTIVITY_TIME", "lastActivityTime", "datetime", "Last Activity", **RO),
    _l("LAST_ACTIVITY_BY", "lastActivityBy", "user", "Last Activity By", **RO),
    *_MULTIFIELDS,
)

COMPANY_LEGACY = (
    _l("ID", "id", "integer", "ID", **RO),
    _l("TITLE", "title", "string", "Company Name", required=True),
    _l("COMPANY_TYPE", "typeId", "crm_status", "Company Type", status_type="COMPANY_TYPE"),
    _l("LOGO", "logo", "file", "Logo"),
    _l("ADDRESS", "address", "string", "Physical Address"),
    _l("ADDRESS_2", "address2", "string", "Address (line 2)"),
    *_ADDRESS_PARTS,
    _l("ADDRESS_LEGAL", "addressLegal", "string", "Legal Address"),
    _l("REG_ADDRESS", "regAddress", "string", "Legal Address"),
    _l("REG_ADDRESS_2", "regAddress2", "string", "Legal Address (line 2)"),
    _l("REG_ADDRESS_CITY", "regAddressCity", "string", "Legal Address City"),
    _l("REG_ADDRESS_POSTAL_CODE", "regAddressPostalCode", "string", "Legal Address Postal Code"),
    _l("REG_ADDRESS_REGION", "regAddressRegion", "string", "Legal Address Region"),
    _l("REG_ADDRESS_PROVINCE", "regAddressProvince", "string", "Legal Address Province"),
    _l("REG_ADDRESS_COUNTRY", "regAddressCountry", "string", "Legal Address Country"),
    _l("REG_ADDRESS_COUNTRY_CODE", "regAddressCountryCode", "string", "Legal Address Country Code"),
    _l("REG_ADDRESS_LOC_ADDR_ID", "regAddressLocAddrId", "integer", "Legal Address Location ID"),
    _l("BANKING_DETAILS", "bankingDetails", "string", "Banking Details"),
    _l("INDUSTRY", "industry", "crm_status", "Industry", status_type="INDUSTRY"),
    _l("EMPLOYEES", "employees", "crm_status", "Number of Employees", status_type="EMPLOYEES"),
    _l("CURRENCY_ID", "currencyId", "crm_currency", "Currency"),
    _l("REVENUE", "revenue", "double", "Annual Revenue"),
    _l("OPENED", "opened", "char", "Available to Everyone"),
    _l("COMMENTS", "comments", "string", "Comment"),
    _has("HAS_PHONE", "Phone Set"),
    _has("HAS_EMAIL", "E-mail Set"),
    _has("HAS_IMOL", "Open Line Set"),
    _l("IS_MY_COMPANY", "isMyCompany", "char", "My Company"),
    _l("ASSIGNED_BY_ID", "assignedById", "user", "Responsible Person"),
    _l("CREATED_BY_ID", "createdBy", "user", "Created By", **RO),
    _l("MODIFY_BY_ID", "updatedBy", "user", "Modified By", **RO),
    _l("DATE_CREATE", "createdTime", "datetime", "Creation Date", **RO),
    _l("DATE_MODIFY", "updatedTime", "datetime", "Modification Date", **RO),
    _l("CONTACT_ID", "contactIds", "crm_contact", "Contact", multiple=True, listed=False),
    _l("LEAD_ID", "leadId", "crm_lead", "Lead", read_only=True, extra=((PARENT, {"parentEntityTypeId": 1}),)),
    _l("ORIGINATOR_ID", "originatorId", "string", "External Source"),
    _l("ORIGIN_ID", "originId", "string", "Identifier in External Source"),
    _l("ORIGIN_VERSION", "originVersion", "string", "Original Version"),
    *_UTM,
    _l("LAST_ACTIVITY_TIME", "lastActivityTime", "datetime", "Last Activity Time"),
    _l("LAST_ACTIVITY_BY", "lastActivityBy", "user", "Last Activity Author"),
    _l("LAST_COMMUNICATION_TIME", "lastCommunicationTime", "string", "Last Communication Date", **RO),
    *_MULTIFIELDS,
)

TABLES = {et.LEAD: LEAD_LEGACY, et.DEAL: DEAL_LEGACY, et.CONTACT: CONTACT_LEGACY, et.COMPANY: COMPANY_LEGACY}


def legacy_table(entity_type_id: int) -> tuple[Legacy, ...]:
    """The classic fields of a type, exactly as its documented ``crm.<entity>.fields`` answers them."""
    return TABLES[entity_type_id]


@cache
def legacy_fields(entity_type_id: int) -> dict[str, ItemField]:
    """Classic name -> the stored field behind it, in the classic order (stored entries only)."""
    fields = catalogue(entity_type_id)
    return {entry.name: fields[entry.field] for entry in legacy_table(entity_type_id) if entry.stored}


@cache
def _names(entity_type_id: int) -> frozenset[str]:
    return frozenset(entry.name for entry in legacy_table(entity_type_id))


def describe(entity_type_id: int) -> dict[str, Any]:
    return {entry.name: entry.describe() for entry in legacy_table(entity_type_id)}


# --- values ---------------------------------------------------------------------------------------------


def _string_out(f: ItemField) -> Callable[[Any, Any], Any]:
    """Stored value -> the classic form: every scalar a string (money with two decimals), dates ISO."""

    def scalar(v: Any, tz: Any) -> Any:
        if v is None:
            return None
        if f.type == "boolean":
            return "Y" if v else "N"
        if f.type in ("date", "datetime"):
            return iso(float(v), tz)
        if f.type in ID_TYPES:
            return str(int(v))
        if f.type == "double":
            return f"{float(v):.2f}"
        return str(v)

    if f.multiple:
        return lambda v, tz: [scalar(x, tz) for x in (v or [])]
    return scalar


def _empty(entry: Legacy) -> Any:
    # The classic answers write an empty date as "" (a recorded real lead shows "BIRTHDATE": ""), other
    # empty values as null.
    if entry.multiple:
        return []
    return "" if entry.type in ("date", "datetime") else None


@cache
def _steps(entity_type_id: int) -> tuple[items.RenderStep, ...]:
    """The render steps of the listed stored fields, in the classic order."""
    fields = catalogue(entity_type_id)
    steps: list[items.RenderStep] = []
    for entry in legacy_table(entity_type_id):
        if not entry.listed or entry.field == MULTIFIELD:
            continue
        f = fields[entry.field]
        steps.append((entry.name, f.column, f.name, _string_out(f), _empty(entry)))
    return tuple(steps)


def _multifields_out(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        grouped.setdefault(row["typeId"], []).append(
            {
                "ID": str(row["id"]),
                "VALUE_TYPE": row["valueType"],
                "VALUE": row["value"],
                "TYPE_ID": row["typeId"],
            }
        )
    return grouped


def render(
    entity_type_id: int,
    row: dict[str, Any],
    ctx: Caller,
    fm: list[dict[str, Any]] | None,
    select: set[str] | None = None,
    *,
    multifields: bool = True,
) -> dict[str, Any]:
    """A stored row in the classic form; with ``fm`` and ``multifields``, the PHONE/EMAIL/... lists of the
    types the item has."""
    out = items.render_fields(_steps(entity_type_id), row, ctx.portal.tz, select, "ID")
    if fm is not None:
        grouped = _multifields_out(fm)
        if multifields:
            for name in MULTIFIELD_NAMES:
                if grouped.get(name) and (select is None or name in select):
                    out[name] = grouped[name]
    return out


def _to_camel(entity_type_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Classic input -> item input; read-only classic fields are ignored, as the classic methods do."""
    writable = {
        entry.name: entry.field
        for entry in legacy_table(entity_type_id)
        if entry.stored and not entry.read_only
    }
    return {writable[str(k).upper()]: v for k, v in fields.items() if str(k).upper() in writable}


def _multifield_changes(fields: dict[str, Any], current: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """PHONE/EMAIL/... entries: with ``ID`` they change (or with ``DELETE: Y`` remove) that value, without it
    they add one; the other values stay."""
    given = {name: fields[name] for name in MULTIFIELD_NAMES if name in fields}
    if not given:
        return None
    rows = {row["id"]: dict(row) for row in current}
    added = []
    for type_id, entries in given.items():
        for entry in (
            entries.values() if isinstance(entries, dict) else entries if isinstance(entries, list) else []
        ):
            if not isinstance(entry, dict):
                continue
            entry = {str(k).upper(): v for k, v in entry.items()}
            try:
                existing = to_int(entry["ID"]) if entry.get("ID") not in (None, "") else None
            except ValueError:
                existing = None
            value = str(entry.get("VALUE", "")).strip()
            value_type = str(entry.get("VALUE_TYPE") or "WORK").upper()
            if existing in rows:
                if str(entry.get("DELETE", "")).upper() == "Y" or not value:
                    del rows[existing]
                else:
                    rows[existing].update(value=value, valueType=value_type)
            elif value:
                added.append({"typeId": type_id, "valueType": value_type, "value": value})
    return [*rows.values(), *added]


# --- operations -----------------------------------------------------------------------------------------


def _legacy_errors(call: Callable[[], Any]) -> Any:
    """Run an items operation, answering its errors in the classic form."""
    try:
        return call()
    except errors.ApiError as exc:
        if exc.code == "ACCESS_DENIED":
            raise ACCESS_DENIED() from exc
        if exc.code == "NOT_FOUND":
            raise NOT_FOUND() from exc
        raise errors.ApiError("", exc.description) from exc


def _id(value: Any) -> int:
    try:
        item_id = to_int(value)
    except ValueError:
        raise ID_INVALID() from None
    if item_id <= 0:
        raise ID_INVALID()
    return item_id


def _fields(value: Any) -> dict[str, Any]:
    if isinstance(value, list) and not value:
        return {}
    if not isinstance(value, dict):
        raise FIELDS_NOT_ARRAY()
    return value


def add(ctx: Caller, entity_type_id: int, fields: Any) -> int:
    fields = _fields(fields)
    camel = _to_camel(entity_type_id, fields)
    fm = _multifield_changes(fields, [])
    if fm is not None:
        camel["fm"] = fm
    item = _legacy_errors(lambda: items.add(ctx, entity_type_id, camel, classic=True))
    return int(item["id"])


def get(ctx: Caller, entity_type_id: int, item_id: Any) -> dict[str, Any]:
    wanted = _id(item_id)
    item = _legacy_errors(lambda: items.get(ctx, entity_type_id, wanted))
    return _reload(ctx, entity_type_id, int(item["id"]))


def _reload(ctx: Caller, entity_type_id: int, item_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        row = crm_items.get_item(conn, ctx.portal.id, entity_type_id, item_id)
        if row is None:
            raise NOT_FOUND()
        fm = None
        if "fm" in catalogue(entity_type_id):
            fm = crm_items.multifields_of(conn, ctx.portal.id, entity_type_id, [item_id])[item_id]
    return render(entity_type_id, row, ctx, fm)


def update(ctx: Caller, entity_type_id: int, item_id: Any, fields: Any) -> bool:
    wanted = _id(item_id)
    fields = _fields(fields)
    camel = _to_camel(entity_type_id, fields)
    if any(name in fields for name in MULTIFIELD_NAMES) and "fm" in catalogue(entity_type_id):
        with ctx.db.read() as conn:
            current = crm_items.multifields_of(conn, ctx.portal.id, entity_type_id, [wanted])[wanted]
        camel["fm"] = _multifield_changes(fields, current)
    _legacy_errors(lambda: items.update(ctx, entity_type_id, wanted, camel, classic=True))
    return True


def delete(ctx: Caller, entity_type_id: int, item_id: Any) -> bool:
    wanted = _id(item_id)
    _legacy_errors(lambda: items.delete(ctx, entity_type_id, wanted))
    return True


def _camel_filter(entity_type_id: int, filter_: Any) -> dict[str, Any]:
    """Classic filter -> item filter; unknown fields are dropped, as the classic methods do."""
    by_name = legacy_fields(entity_type_id)
    camel: dict[str, Any] = {}
    for key, value in filter_.items() if isinstance(filter_, dict) else ():
        op, name = split_key(str(key))
        f = by_name.get(name.upper())
        if f is not None and not f.multiple and f.type != "file":
            camel[f"{'' if op == '=' and not str(key).startswith('=') else op}{f.name}"] = value
    return camel


def _camel_order(entity_type_id: int, order: Any) -> dict[str, str]:
    by_name = legacy_fields(entity_type_id)
    camel: dict[str, str] = {}
    for key, direction in order.items() if isinstance(order, dict) else ():
        f = by_name.get(str(key).upper())
        text = str(direction).upper()
        if f is not None and not f.multiple and f.type != "file" and text in ("ASC", "DESC"):
            camel[f.name] = text
    return camel


def _selection(entity_type_id: int, select: Any) -> set[str] | None:
    names = list(select.values()) if isinstance(select, dict) else select if isinstance(select, list) else []
    wanted = {str(n).upper() for n in names}
    if not wanted or "*" in wanted:
        return None if not wanted or wanted <= {"*", "UF_*"} else wanted | _names(entity_type_id)
    return wanted


def list_items(
    ctx: Caller, entity_type_id: int, *, select: Any, filter_: Any, order: Any, start: Any
) -> Page:
    camel_filter = _camel_filter(entity_type_id, filter_)
    camel_order = _camel_order(entity_type_id, order)
    selection = _selection(entity_type_id, select)

    def run() -> tuple[list[dict[str, Any]], int | None, int, dict[int, list[dict[str, Any]]]]:
        with ctx.db.read() as conn:
            plan = items.plan_list(
                conn, ctx, entity_type_id, filter_=camel_filter, order=camel_order, start=start, classic=True
            )
            rows = crm_items.list_items(conn, plan.statement)
            total = (
                crm_items.count_items(conn, ctx.portal.id, entity_type_id, where=plan.where)
                if plan.count
                else None
            )
            fms: dict[int, list[dict[str, Any]]] = {}
            wants_fm = selection is None or bool(selection & set(MULTIFIELD_NAMES))
            if "fm" in catalogue(entity_type_id) and wants_fm:
                fms = crm_items.multifields_of(conn, ctx.portal.id, entity_type_id, [r["id"] for r in rows])
            return rows, total, plan.offset, fms

    rows, total, offset, fms = _legacy_errors(run)
    # The classic lists leave multifields out unless asked for by name.
    result = [
        render(entity_type_id, r, ctx, fms.get(r["id"]), selection, multifields=selection is not None)
        for r in rows
    ]
    return legacy_page(result, offset, total, len(result))
