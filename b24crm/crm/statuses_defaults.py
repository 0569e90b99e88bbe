"""The reference lists a new portal starts with, and the stages a new pipeline gets.

Values, sorts, system flags, colours and semantics are the vendor's installation defaults (its
``CCrmStatus::GetDefault*`` lists); the English names are those of an English-language portal (the deal
stages as the crm.status.list example shows them). A row: (STATUS_ID, NAME, SORT, SYSTEM, COLOR, SEMANTICS),
SEMANTICS ``S`` success, ``F`` failure, None in progress.
"""

from __future__ import annotations

from typing import NamedTuple


class Default(NamedTuple):
    status_id: str
    name: str
    sort: int
    system: bool = False
    color: str | None = None
    semantics: str | None = None


S, F = "S", "F"

LEAD_STATUSES = (
    Default("NEW", "Unassigned", 10, True, "#39A8EF"),
    Default("IN_PROCESS", "In progress", 20, False, "#2FC6F6"),
    Default("PROCESSED", "Processed", 30, False, "#55D0E0"),
    Default("CONVERTED", "Good lead", 40, True, "#7BD500", S),
    Default("JUNK", "Junk lead", 50, True, "#FF5752", F),
)

DEAL_STAGES = (
    Default("NEW", "New", 10, True, "#39A8EF"),
    Default("PREPARATION", "Document preparation", 20, False, "#2FC6F6"),
    Default("PREPAYMENT_INVOICE", "Prepayment invoice", 30, False, "#55D0E0"),
    Default("EXECUTING", "In progress", 40, False, "#47E4C2"),
    Default("FINAL_INVOICE", "Final invoice", 50, False, "#FFA900"),
    Default("WON", "Deal successful", 60, True, "#7BD500", S),
    Default("LOSE", "Deal failed", 70, True, "#FF5752", F),
    Default("APOLOGY", "Failure reason analysis", 80, False, "#FF5752", F),
)

# A smart process's pipeline: the five stages the vendor gives every new one (codes prefixed DT<type>_<id>:).
DYNAMIC_STAGES = (
    Default("NEW", "Start", 10, True, "#22B9FF"),
    Default("PREPARATION", "Preparation", 20, False, "#FFA900"),
    Default("CLIENT", "In progress", 30, False, "#2FC6F6"),
    Default("SUCCESS", "Success", 40, True, "#7BD500", S),
    Default("FAIL", "Failure", 50, True, "#FF5752", F),
)

QUOTE_STATUSES = (
    Default("DRAFT", "New", 10, True, "#39A8EF"),
    Default("SENT", "Sent to client", 20, False, "#2FC6F6"),
    Default("RECEIVED", "Received", 30, False, "#55D0E0"),
    Default("APPROVED", "Approved", 40, True, "#7BD500", S),
    Default("DECLAINED", "Declined", 50, True, "#FF5752", F),
)

SIMPLE_LISTS: dict[str, tuple[Default, ...]] = {
    "SOURCE": (
        Default("CALL", "Call", 10, True),
        Default("EMAIL", "E-Mail", 20),
        Default("WEB", "Website", 30),
        Default("ADVERTISING", "Advertising", 40),
        Default("PARTNER", "Existing client", 50),
        Default("RECOMMENDATION", "By recommendation", 60),
        Default("TRADE_SHOW", "Show/Exhibition", 70),
        Default("WEBFORM", "CRM form", 75, True),
        Default("CALLBACK", "Callback", 77, True),
        Default("RC_GENERATOR", "Sales boost", 78, True),
        Default("STORE", "Online Store", 79, True),
        Default("OTHER", "Other", 80),
    ),
    "CONTACT_TYPE": (
        Default("CLIENT", "Clients", 10),
        Default("SUPPLIER", "Suppliers", 20),
        Default("PARTNER", "Partners", 30),
        Default("OTHER", "Other", 40),
    ),
    "COMPANY_TYPE": (
        Default("CUSTOMER", "Client", 10),
        Default("SUPPLIER", "Supplier", 20),
        Default("COMPETITOR", "Competitor", 30),
        Default("PARTNER", "Partner", 40),
        Default("OTHER", "Other", 50),
    ),
    "EMPLOYEES": (
        Default("EMPLOYEES_1", "less than 50", 10),
        Default("EMPLOYEES_2", "50-250", 20),
        Default("EMPLOYEES_3", "250-500", 30),
        Default("EMPLOYEES_4", "over 500", 40),
    ),
    "INDUSTRY": (
        Default("IT", "Information Technology", 10),
        Default("TELECOM", "Telecommunication", 20),
        Default("MANUFACTURING", "Manufacturing", 30),
        Default("BANKING", "Banking Services", 40),
        Default("CONSULTING", "Consulting", 50),
        Default("FINANCE", "Finance", 60),
        Default("GOVERNMENT", "Government", 70),
        Default("DELIVERY", "Delivery", 80),
        Default("ENTERTAINMENT", "Entertainment", 90),
        Default("NOTPROFIT", "Not for profit", 100),
        Default("OTHER", "Other", 110),
    ),
    "DEAL_TYPE": (
        Default("SALE", "Sales", 10, True),
        Default("COMPLEX", "Integrated sale", 20),
        Default("GOODS", "Merchandise sales", 30),
        Default("SERVICES", "Service sales", 40),
        Default("SERVICE", "After-sales service", 50),
    ),
    "HONORIFIC": (
        Default("HNR_EN_1", "Mr.", 10),
        Default("HNR_EN_2", "Mrs.", 20),
        Default("HNR_EN_3", "Ms.", 30),
        Default("HNR_EN_4", "Dr.", 40),
    ),
    "CALL_LIST": (
        Default("IN_WORK", "In progress", 10, True),
        Default("SUCCESS", "Successful", 20, True),
        Default("WRONG_NUMBER", "Wrong number", 30, True),
        Default("STOP_CALLING", "Do not call", 40, True),
    ),
}

# Every list a portal starts with, by ENTITY_ID, in the order crm.status.entity.types names them.
PORTAL_LISTS: dict[str, tuple[Default, ...]] = {
    "STATUS": LEAD_STATUSES,
    **{k: v for k, v in SIMPLE_LISTS.items() if k not in ("HONORIFIC", "CALL_LIST")},
    "DEAL_STAGE": DEAL_STAGES,
    "QUOTE_STATUS": QUOTE_STATUSES,
    "HONORIFIC": SIMPLE_LISTS["HONORIFIC"],
    "CALL_LIST": SIMPLE_LISTS["CALL_LIST"],
}

# The names crm.status.entity.types gives the fixed lists.
LIST_NAMES = {
    "STATUS": "Lead stages",
    "SOURCE": "Sources",
    "CONTACT_TYPE": "Contact type",
    "COMPANY_TYPE": "Company type",
    "EMPLOYEES": "Number of employees",
    "INDUSTRY": "Industry",
    "DEAL_TYPE": "Deal type",
    "DEAL_STAGE": "Deal stages",
    "QUOTE_STATUS": "Quote stages",
    "HONORIFIC": "Inquiries",
    "CALL_LIST": "Call statuses",
}

DEAL_DEFAULT_CATEGORY_NAME = "General"
DYNAMIC_DEFAULT_CATEGORY_NAME = "General"
DEFAULT_CATEGORY_SORT = 500
