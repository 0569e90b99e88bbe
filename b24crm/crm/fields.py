"""The field catalogue of CRM items: one table per entity type that drives validation, storage, filters,
``crm.item.fields`` and the UPPER_CASE names of the classic methods.

Docs: api-reference/crm/universal/object-fields.md, crm-item-fields.md. A field is stored in a column of
``crm_items`` when it has one (the fields lists filter and sort on most), otherwise under its camelCase name
in the item's ``data``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from b24crm.crm import entity_types as et

# Types whose value is an integer ID (or a list of them when multiple).
ID_TYPES = {
    "integer",
    "user",
    "crm_company",
    "crm_contact",
    "crm_category",
    "crm_lead",
    "crm_quote",
    "crm_entity",
}
COLUMNS = {
    "id": "id",
    "title": "title",
    "assignedById": "assigned_by_id",
    "createdBy": "created_by",
    "updatedBy": "updated_by",
    "createdTime": "created_time",
    "updatedTime": "updated_time",
    "opened": "opened",
    "categoryId": "category_id",
    "stageId": "stage_id",
    "companyId": "company_id",
    "contactId": "contact_id",
    "opportunity": "opportunity",
    "currencyId": "currency_id",
}


def upper_name(camel: str) -> str:
    """``assignedById`` -> ``ASSIGNED_BY_ID`` (the vendor's upperName)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).upper()


def description(
    type_: str,
    *,
    required: bool = False,
    read_only: bool = False,
    immutable: bool = False,
    multiple: bool = False,
) -> dict[str, Any]:
    """The first keys of every vendor field description (``*.fields`` methods), in the vendor's order."""
    return {
        "type": type_,
        "isRequired": required,
        "isReadOnly": read_only,
        "isImmutable": immutable,
        "isMultiple": multiple,
        "isDynamic": False,
    }


@dataclass(frozen=True)
class ItemField:
    name: str
    type: str
    title: str
    required: bool = False
    read_only: bool = False
    immutable: bool = False
    multiple: bool = False
    status_type: str | None = None
    upper: str = ""
    column: str | None = field(default=None)
    # Kept only for the classic crm.<entity>.* fields (ADDRESS*, ORIGIN_VERSION, ...): stored in ``data``
    # like any other field; the vendor's crm.item.fields does not list it.
    classic_only: bool = False

    def __post_init__(self) -> None:
        if not self.upper:
            object.__setattr__(self, "upper", upper_name(self.name))
        if self.column is None and self.name in COLUMNS:
            object.__setattr__(self, "column", COLUMNS[self.name])

    def describe(self) -> dict[str, Any]:
        """The field as ``crm.item.fields`` describes it."""
        described = description(
            self.type,
            required=self.required,
            read_only=self.read_only,
            immutable=self.immutable,
            multiple=self.multiple,
        )
        described.update(title=self.title, upperName=self.upper)
        if self.status_type:
            described["statusType"] = self.status_type
        return described


def _f(name: str, type_: str, title: str, **flags: Any) -> ItemField:
    return ItemField(name, type_, title, **flags)


RO = {"read_only": True}

# Fields every item type has, in the order the vendor lists them.
HEAD = (_f("id", "integer", "ID", **RO),)
AUDIT = (
    _f("createdTime", "datetime", "Created on", **RO),
    _f("updatedTime", "datetime", "Modified on", **RO),
    _f("createdBy", "user", "Created by", **RO),
    _f("updatedBy", "user", "Modified by", **RO),
    _f("assignedById", "user", "Responsible person"),
    _f("opened", "boolean", "Available to everyone"),
)
ACTIVITY = (
    _f("lastActivityBy", "user", "Last activity by", **RO),
    _f("lastActivityTime", "datetime", "Last activity on", **RO),
)
UTM = (
    _f("utmSource", "string", "Ad system"),
    _f("utmMedium", "string", "Traffic type"),
    _f("utmCampaign", "string", "Ad campaign label"),
    _f("utmContent", "string", "Campaign contents"),
    _f("utmTerm", "string", "Campaign search term"),
)
MONEY = (
    _f("currencyId", "crm_currency", "Currency"),
    _f("opportunity", "double", "Amount"),
    _f("isManualOpportunity", "boolean", "Manual amount calculation"),
    _f("taxValue", "double", "Tax amount"),
)
OBSERVERS = (_f("observers", "user", "Observers", multiple=True),)
PERSON = (
    _f("honorific", "crm_status", "Salutation", status_type="HONORIFIC"),
    _f("name", "string", "First name"),
    _f("secondName", "string", "Middle name"),
    _f("lastName", "string", "Last name"),
    _f("birthdate", "date", "Date of birth"),
    _f("post", "string", "Position"),
)
MULTIFIELDS = (_f("fm", "crm_multifield", "Phones, e-mails, websites and messengers", multiple=True),)

# Stored values of the classic fields that the item layer does not have (classic.py names them).
CLASSIC = {"classic_only": True}
# Whether the item has a phone, an e-mail or an open line, kept with every change of its multifields
# (the vendor's HAS_PHONE, HAS_EMAIL, HAS_IMOL columns); the lead lists them, the classic methods all three.
CONTACT_FLAGS = {"hasPhone": "PHONE", "hasEmail": "EMAIL", "hasImol": "IM"}
HAS_CLASSIC = (
    _f("hasPhone", "boolean", "Has phone", read_only=True, classic_only=True),
    _f("hasEmail", "boolean", "Has e-mail", read_only=True, classic_only=True),
    _f("hasImol", "boolean", "Has open line", read_only=True, classic_only=True),
)


def _address(prefix: str, title: str) -> tuple[ItemField, ...]:
    """The nine deprecated address fields of the classic lead, contact and company (``ADDRESS``,
    ``ADDRESS_2``, ..., ``ADDRESS_LOC_ADDR_ID``; a company's legal address repeats them as ``REG_*``)."""
    upper = upper_name(prefix)
    return tuple(
        _f(f"{prefix}{suffix}", type_, f"{title}{part}", upper=f"{upper}{upper_suffix}", **CLASSIC)
        for suffix, upper_suffix, type_, part in (
            ("", "", "string", ""),
            ("2", "_2", "string", " (line 2)"),
            ("City", "_CITY", "string", ": city"),
            ("PostalCode", "_POSTAL_CODE", "string", ": postal code"),
            ("Region", "_REGION", "string", ": region"),
            ("Province", "_PROVINCE", "string", ": province"),
            ("Country", "_COUNTRY", "string", ": country"),
            ("CountryCode", "_COUNTRY_CODE", "string", ": country code"),
            ("LocAddrId", "_LOC_ADDR_ID", "integer", ": location address ID"),
        )
    )


ADDRESS = _address("address", "Address")
ORIGIN_VERSION = (_f("originVersion", "string", "Version in data source", **CLASSIC),)

LEAD_FIELDS = (
    *HEAD,
    _f("title", "string", "Lead name"),
    *PERSON,
    _f("companyTitle", "string", "Company name"),
    _f("sourceId", "crm_status", "Source", status_type="SOURCE"),
    _f("sourceDescription", "text", "Source information"),
    _f("stageId", "crm_status", "Stage", status_type="STATUS"),
    _f("statusDescription", "text", "Stage information"),
    _f("stageSemanticId", "string", "Stage group", **RO),
    *MONEY[:3],
    _f("comments", "text", "Comment"),
    *AUDIT,
    _f("movedBy", "user", "Stage changed by", **RO),
    _f("movedTime", "datetime", "Stage changed on", **RO),
    _f("companyId", "crm_company", "Company"),
    _f("contactId", "crm_contact", "Contact"),
    _f("contactIds", "crm_contact", "Contacts", multiple=True),
    _f("isReturnCustomer", "boolean", "Repeat lead", **RO),
    _f("hasPhone", "boolean", "Has phone", **RO),
    _f("hasEmail", "boolean", "Has e-mail", **RO),
    _f("hasImol", "boolean", "Has open line", **RO),
    _f("originatorId", "string", "External source"),
    _f("originId", "string", "Item ID in data source"),
    *OBSERVERS,
    *ACTIVITY,
    *UTM,
    *MULTIFIELDS,
    *ADDRESS,
    _f("dateClosed", "datetime", "Closed on", read_only=True, **CLASSIC),
)

DEAL_FIELDS = (
    *HEAD,
    _f("title", "string", "Name"),
    _f("typeId", "crm_status", "Type", status_type="DEAL_TYPE"),
    _f("categoryId", "crm_category", "Pipeline", immutable=True),
    _f("stageId", "crm_status", "Stage", status_type="DEAL_STAGE"),
    _f("stageSemanticId", "string", "Stage group", **RO),
    _f("isNew", "boolean", "New deal", **RO),
    _f("isRecurring", "boolean", "Recurring deal"),
    _f("isReturnCustomer", "boolean", "Repeat deal", **RO),
    _f("isRepeatedApproach", "boolean", "Repeat inquiry", **RO),
    _f("closed", "boolean", "Closed", **RO),
    _f("probability", "integer", "Probability"),
    *MONEY,
    _f("companyId", "crm_company", "Company"),
    _f("contactId", "crm_contact", "Contact"),
    _f("contactIds", "crm_contact", "Contacts", multiple=True),
    _f("quoteId", "crm_quote", "Estimate"),
    _f("begindate", "date", "Start date"),
    _f("closedate", "date", "Estimated close date"),
    *AUDIT,
    _f("movedBy", "user", "Stage changed by", **RO),
    _f("movedTime", "datetime", "Stage changed on", **RO),
    _f("comments", "text", "Comment"),
    _f("sourceId", "crm_status", "Source", status_type="SOURCE"),
    _f("sourceDescription", "text", "Source information"),
    _f("leadId", "crm_lead", "Lead"),
    _f("additionalInfo", "string", "Additional information"),
    _f("locationId", "location", "Location"),
    _f("originatorId", "string", "External source"),
    _f("originId", "string", "Item ID in data source"),
    *OBSERVERS,
    *ACTIVITY,
    *UTM,
)

CONTACT_FIELDS = (
    *HEAD,
    *PERSON,
    _f("photo", "file", "Photo"),
    _f("comments", "text", "Comment"),
    _f("typeId", "crm_status", "Contact type", status_type="CONTACT_TYPE"),
    _f("sourceId", "crm_status", "Source", status_type="SOURCE"),
    _f("sourceDescription", "text", "Source information"),
    _f("companyId", "crm_company", "Company"),
    _f("companyIds", "crm_company", "Companies", multiple=True),
    _f("leadId", "crm_lead", "Lead"),
    _f("export", "boolean", "Included in export"),
    _f("categoryId", "crm_category", "Pipeline", immutable=True),
    *AUDIT,
    _f("originatorId", "string", "External source"),
    _f("originId", "string", "Item ID in data source"),
    *OBSERVERS,
    *ACTIVITY,
    *UTM,
    *MULTIFIELDS,
    *ADDRESS,
    *ORIGIN_VERSION,
    *HAS_CLASSIC,
)

COMPANY_FIELDS = (
    *HEAD,
    _f("title", "string", "Company name", required=True),
    _f("logo", "file", "Logo"),
    _f("typeId", "crm_status", "Company type", status_type="COMPANY_TYPE"),
    _f("industry", "crm_status", "Industry", status_type="INDUSTRY"),
    _f("employees", "crm_status", "Employees", status_type="EMPLOYEES"),
    _f("revenue", "double", "Annual revenue"),
    _f("currencyId", "crm_currency", "Currency"),
    _f("comments", "text", "Comment"),
    _f("isMyCompany", "boolean", "My company"),
    # Documented company item fields (object-fields.md), so not classic-only.
    _f("bankingDetails", "string", "Banking details"),
    _f("addressLegal", "string", "Legal address"),
    _f("leadId", "crm_lead", "Lead"),
    _f("contactIds", "crm_contact", "Contacts", multiple=True),
    _f("categoryId", "crm_category", "Pipeline", immutable=True),
    *AUDIT,
    _f("originatorId", "string", "External source"),
    _f("originId", "string", "Item ID in data source"),
    *OBSERVERS,
    *ACTIVITY,
    *UTM,
    *MULTIFIELDS,
    *ADDRESS,
    *_address("regAddress", "Registered address"),
    *ORIGIN_VERSION,
    _f("lastCommunicationTime", "datetime", "Last communication on", read_only=True, **CLASSIC),
    *HAS_CLASSIC,
)

_DYNAMIC_COMMON = (
    *HEAD,
    _f("xmlId", "string", "External ID"),
    _f("title", "string", "Name"),
    *AUDIT,
    _f("categoryId", "crm_category", "Pipeline", immutable=True),
    _f("stageId", "crm_status", "Stage"),
    _f("previousStageId", "crm_status", "Previous stage", **RO),
    _f("movedBy", "user", "Stage changed by", **RO),
    _f("movedTime", "datetime", "Stage changed on", **RO),
    _f("begindate", "date", "Start date"),
    _f("closedate", "date", "End date"),
    _f("companyId", "crm_company", "Company"),
    _f("contactId", "crm_contact", "Contact"),
    _f("contactIds", "crm_contact", "Contacts", multiple=True),
    *MONEY,
    _f("mycompanyId", "crm_company", "Your company details"),
    _f("sourceId", "crm_status", "Source", status_type="SOURCE"),
    _f("sourceDescription", "text", "Source information"),
    *OBSERVERS,
    *ACTIVITY,
)

QUOTE_FIELDS = (
    *_DYNAMIC_COMMON[:2],
    _f("quoteNumber", "string", "Estimate #"),
    *_DYNAMIC_COMMON[2:],
    _f("dealId", "crm_entity", "Deal"),
    _f("leadId", "crm_lead", "Lead"),
    _f("comments", "text", "Comment"),
    _f("content", "text", "Content"),
    _f("terms", "text", "Terms"),
)
SMART_INVOICE_FIELDS = (
    *_DYNAMIC_COMMON[:2],
    _f("accountNumber", "string", "Invoice #"),
    *_DYNAMIC_COMMON[2:],
    _f("comments", "text", "Comment"),
)


@cache
def catalogue(entity_type_id: int) -> dict[str, ItemField]:
    """The fields of a type by camelCase name, in the vendor's order."""
    fixed = {
        et.LEAD: LEAD_FIELDS,
        et.DEAL: DEAL_FIELDS,
        et.CONTACT: CONTACT_FIELDS,
        et.COMPANY: COMPANY_FIELDS,
        et.QUOTE: QUOTE_FIELDS,
        et.SMART_INVOICE: SMART_INVOICE_FIELDS,
    }.get(entity_type_id, _DYNAMIC_COMMON)
    return {f.name: f for f in fixed}
