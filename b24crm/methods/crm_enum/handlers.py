"""crm.enum.ownertype, addresstype, getorderownertypes, the activity enumerations and crm.enum.fields.

Docs: api-reference/crm/auxiliary/enum/*.md. The activity enumerations are deprecated but still served;
each starts with ``{ID: 0, NAME: ""}``.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import entity_types, types_service
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import NoParams, method

ENUM_DOCS = "api-reference/crm/auxiliary/enum/"


def _enum(*names: str) -> list[dict[str, Any]]:
    return [
        {"ID": i, "NAME": name, "SYMBOL_CODE": None, "SYMBOL_CODE_SHORT": None}
        for i, name in enumerate(names)
    ]


ACTIVITY_TYPES = _enum("", "Meeting", "Call", "Task", "E-mail", "Action", "User Action")
ACTIVITY_STATUSES = _enum("", "Pending", "Completed", "Automatically Completed")
ACTIVITY_PRIORITIES = _enum("", "low", "medium", "high")
ACTIVITY_DIRECTIONS = _enum("", "Incoming", "Outgoing")
ACTIVITY_NOTIFY_TYPES = _enum("", "min.", "h.", "d.")
CONTENT_TYPES = _enum("", "Plain text", "bbCode", "HTML")


def _field(title: str, kind: str = "string") -> dict[str, Any]:
    return {
        "type": kind,
        "isRequired": False,
        "isReadOnly": True,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": title,
    }


ENUM_FIELDS = {
    "ID": _field("ID", "int"),
    "NAME": _field("Name"),
    "SYMBOL_CODE": _field("Symbol code"),
    "SYMBOL_CODE_SHORT": _field("Short symbol code"),
}


@method("crm.enum.ownertype", scope="crm", doc=ENUM_DOCS + "crm-enum-owner-type.md")
def owner_type(ctx: CallContext, p: NoParams) -> list[dict[str, Any]]:
    """CRM entity types, the portal's smart processes included."""
    owners = [*entity_types.FIXED_OWNER_TYPES, *types_service.dynamic_owner_types(ctx)]
    return [
        {"ID": o.id, "NAME": o.name, "SYMBOL_CODE": o.symbol, "SYMBOL_CODE_SHORT": o.short} for o in owners
    ]


def _constant(name: str, values: list[dict[str, Any]], doc: str, summary: str) -> None:
    def handler(ctx: CallContext, p: NoParams) -> list[dict[str, Any]]:
        return values

    handler.__doc__ = summary
    method(name, scope="crm", blocking=False, doc=ENUM_DOCS + doc)(handler)


_constant(
    "crm.enum.activitytype", ACTIVITY_TYPES, "outdated/crm-enum-activity-type.md", "Activity types (TYPE_ID)."
)
_constant(
    "crm.enum.activitystatus",
    ACTIVITY_STATUSES,
    "outdated/crm-enum-activity-status.md",
    "Activity statuses (STATUS).",
)
_constant(
    "crm.enum.activitypriority",
    ACTIVITY_PRIORITIES,
    "outdated/crm-enum-activity-priority.md",
    "Activity priorities (PRIORITY).",
)
_constant(
    "crm.enum.activitydirection",
    ACTIVITY_DIRECTIONS,
    "outdated/crm-enum-activity-direction.md",
    "Activity directions (DIRECTION).",
)
_constant(
    "crm.enum.activitynotifytype",
    ACTIVITY_NOTIFY_TYPES,
    "outdated/crm-enum-activity-notify-type.md",
    "Reminder units (NOTIFY_TYPE).",
)
_constant("crm.enum.contenttype", CONTENT_TYPES, "outdated/crm-enum-content-type.md", "Description types.")


# As the docs' example lists them (the vendor's list depends on the portal's country; these are the
# English portal's), in its order.
ADDRESS_TYPES = [
    {"ID": type_id, "NAME": name, "SYMBOL_CODE": None, "SYMBOL_CODE_SHORT": None}
    for type_id, name in (
        (11, "Shipping address"),
        (1, "Physical address"),
        (6, "Legal address"),
        (4, "Registered address"),
        (8, "Mailing address"),
        (9, "Beneficiary address"),
    )
]
_constant("crm.enum.addresstype", ADDRESS_TYPES, "crm-enum-address-type.md", "Address types (TYPE_ID).")


@method("crm.enum.getorderownertypes", scope="crm", doc=ENUM_DOCS + "crm-enum-get-order-owner-types.md")
def order_owner_types(ctx: CallContext, p: NoParams) -> list[dict[str, Any]]:
    """The CRM types an order may be bound to: deals, and smart processes with payments."""
    return types_service.order_owner_types(ctx)


@method("crm.enum.fields", scope="crm", blocking=False, doc=ENUM_DOCS + "crm-enum-fields.md")
def enum_fields(ctx: CallContext, p: NoParams) -> dict[str, Any]:
    """The fields of an enumeration element."""
    return ENUM_FIELDS
