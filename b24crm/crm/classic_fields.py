"""The classic fields of crm.lead/deal/contact/company.*: a declarative table per type, in the order and
words of its documented ``crm.<entity>.fields`` answer, each naming the stored item field behind it.

Docs: api-reference/crm/{leads,deals,contacts,companies}/crm-<entity>-fields.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from b24crm.crm import entity_types as et
from b24crm.crm.fields import ItemField, catalogue, description

MULTIFIELD_NAMES = ("PHONE", "EMAIL", "WEB", "IM", "LINK")

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
def field_names(entity_type_id: int) -> frozenset[str]:
    return frozenset(entry.name for entry in legacy_table(entity_type_id))


def describe(entity_type_id: int) -> dict[str, Any]:
    return {entry.name: entry.describe() for entry in legacy_table(entity_type_id)}
