"""The ``fields`` of crm.activity.configurable.add / update, checked as the vendor's
``Controller\\Activity\\Configurable::validateFields`` checks them (reference: crm.md §4.1).

A field counts as given when PHP's ``isset`` says so: present and not null. Every problem is collected in the
vendor's order (completed, isIncomingChannel, the incoming deadline, pingOffsets, responsibleId, badgeCode,
typeId); the REST bridge answers the first of the call's errors.
"""

from __future__ import annotations

from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import activity_types, badges
from b24crm.php.values import php_int, php_str

DEFAULT_TYPE = "CONFIGURABLE"

# crm/lang/en/lib/controller/activity/configurable.php
WRONG_FIELD_VALUE = errors.ErrorSpec("WRONG_FIELD_VALUE", "The value of {field} is incorrect.")
INCOMING_WITH_DEADLINE = errors.ErrorSpec(
    "INCOMING_ACTIVITY_CAN_NOT_BE_WITH_DEADLINE", "Incoming activity cannot have a deadline"
)

# The controller's literal lists, compared strictly (``in_array(..., true)``): 1.0 or "yes" is no boolean.
_TRUE_TEXTS = ("Y", "y", "1", "true")
_FALSE_TEXTS = ("N", "n", "0", "false")


def given(fields: dict[str, Any], name: str) -> bool:
    """PHP's ``isset($fields[name])``."""
    return fields.get(name) is not None


def literal(value: Any) -> bool | None:
    """The boolean a strict literal stands for; None when it is none of the allowed ones."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {1: True, 0: False}.get(value)
    if isinstance(value, str):
        return True if value in _TRUE_TEXTS else False if value in _FALSE_TEXTS else None
    return None


def php_empty(value: Any) -> bool:
    return value in (None, False, 0, "", "0") or (isinstance(value, (list, dict)) and not value)


def _scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str))


def _entries(value: Any) -> list[tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, dict) else list(enumerate(value))


def ping_offsets(value: Any) -> list[int]:
    """``array_unique(array_map('intval', ...))``: first occurrences kept, in the given order."""
    kept: list[int] = []
    for _, entry in _entries(value) if isinstance(value, (dict, list)) else []:
        number = php_int(entry)
        if number not in kept:
            kept.append(number)
    return kept


def _type_allowed(ctx: Caller, type_id: Any, creating: bool) -> bool:
    """A non-empty string: the default type, or on add a configurable type of the calling application."""
    if not isinstance(type_id, str) or type_id == "":
        return False
    if type_id == DEFAULT_TYPE:
        return True
    return creating and activity_types.configurable_type(ctx, type_id) is not None


def problems(ctx: Caller, fields: dict[str, Any], *, creating: bool) -> list[errors.ApiError]:
    """Every problem of ``fields``. ``creating``: only add passes the app's client id on to the type check,
    so on update any typeId but the default one is a wrong value (the vendor's controller does the same)."""
    found: list[errors.ApiError] = []

    def wrong(field: str) -> None:
        found.append(WRONG_FIELD_VALUE.format(field=field))

    for name in ("completed", "isIncomingChannel"):
        if given(fields, name) and literal(fields[name]) is None:
            wrong(name)
    if (
        given(fields, "isIncomingChannel")
        and given(fields, "deadline")
        and not php_empty(fields["deadline"])
        and literal(fields["isIncomingChannel"]) is True
    ):
        found.append(INCOMING_WITH_DEADLINE())
    if given(fields, "pingOffsets"):
        offsets = fields["pingOffsets"]
        if not isinstance(offsets, (dict, list)):
            wrong("pingOffsets")
        else:
            for index, entry in _entries(offsets):
                if not _scalar(entry) or php_int(entry) < 0:
                    wrong(f"pingOffsets[{index}]")
    if given(fields, "responsibleId") and php_int(fields["responsibleId"]) <= 0:
        wrong("responsibleId")
    badge = fields.get("badgeCode")
    if badge is not None and badge != "" and not badges.exists(ctx, php_str(badge)):
        wrong("badgeCode")
    if given(fields, "typeId") and not _type_allowed(ctx, fields["typeId"], creating):
        wrong("typeId")
    return found
