"""CRM entity types: the fixed ones and the portal's smart processes.

The fixed types and their codes come from crm.enum.ownertype (docs:
api-reference/crm/auxiliary/enum/crm-enum-owner-type.md); a smart process ``N`` is ``DYNAMIC_N`` with the
short code ``T<hex N>``.
"""

from __future__ import annotations

from dataclasses import dataclass

LEAD, DEAL, CONTACT, COMPANY, INVOICE_OLD, QUOTE, REQUISITE, SMART_INVOICE = 1, 2, 3, 4, 5, 7, 8, 31


@dataclass(frozen=True)
class OwnerType:
    id: int
    name: str
    symbol: str
    short: str


# In the order crm.enum.ownertype lists them.
FIXED_OWNER_TYPES: tuple[OwnerType, ...] = (
    OwnerType(LEAD, "Lead", "LEAD", "L"),
    OwnerType(DEAL, "Deal", "DEAL", "D"),
    OwnerType(CONTACT, "Contact", "CONTACT", "C"),
    OwnerType(COMPANY, "Company", "COMPANY", "CO"),
    OwnerType(INVOICE_OLD, "Invoice (old version)", "INVOICE", "I"),
    OwnerType(SMART_INVOICE, "Invoice", "SMART_INVOICE", "SI"),
    OwnerType(QUOTE, "Estimate", "QUOTE", "Q"),
    OwnerType(REQUISITE, "Requisites", "REQUISITE", "RQ"),
)

# The fixed types that are CRM items (crm.item.* works on them; the others are listed only).
ITEM_TYPES = (LEAD, DEAL, CONTACT, COMPANY, QUOTE, SMART_INVOICE)


def dynamic_owner_type(entity_type_id: int, title: str) -> OwnerType:
    return OwnerType(entity_type_id, title, f"DYNAMIC_{entity_type_id}", f"T{entity_type_id:x}")


def is_dynamic_range(entity_type_id: int) -> bool:
    """Smart-process IDs: 128..192, or an even number from 1030 (docs: crm-type-add.md)."""
    return 128 <= entity_type_id <= 192 or (entity_type_id >= 1030 and entity_type_id % 2 == 0)
