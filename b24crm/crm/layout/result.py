"""What a layout validation returns: the normalized layout, or every error with the vendor's code, message
and customData.

The REST envelope shows only one of them: the vendor's REST bridge for its newer controllers turns the
action's error collection into an exception from the FIRST error alone (``rest/lib/engine/restmanager.php``
``createExceptionFromErrors``: ``reset($errors)``), answered as ``{"error": code, "error_description":
message}`` with HTTP 400, customData dropped. ``Validated.api_error()`` builds that answer; the full list
stays available for logs and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b24crm.errors import ApiError

# English texts of the vendor's language files (crm/lang/en/lib/Dto/Validator*.php and
# .../configurablerestapp/dto/validator/textwithtranslationfield.php). ENUM_FIELD's text is not in any file
# found; its wording here is ours (its placeholders are the vendor's: FIELD, PARENT_OBJECT, VALUES).
MESSAGES = {
    "FIELD_IS_REQUIRED": "Field #FIELD# is required for #PARENT_OBJECT#.",
    "FIELD_IS_REDUNDANT": "Field #FIELD# is not required for #PARENT_OBJECT#.",
    "WRONG_FIELD_VALUE": "The value of #FIELD# in #PARENT_OBJECT# is incorrect.",
    "TOO_MANY_ITEMS": "The field #FIELD# of #PARENT_OBJECT# can only contain up to #COUNT# values.",
    "KEY_CONTAIN_WRONG_SYMBOLS": "The value of #KEY# includes invalid characters.",
    "WRONG_LANG": "The language #LANG# was not found.",
    "ENUM_FIELD": "The value of #FIELD# in #PARENT_OBJECT# must be one of: #VALUES#.",
    # the configurable controller's language file (the docs' errors table words it otherwise)
    "ERROR_EMPTY_LAYOUT": 'The field "layout" is required.',
}


@dataclass(frozen=True)
class LayoutError:
    code: str
    message: str
    # the vendor's Error customData: FIELD, PARENT_OBJECT and COUNT / KEY / VALUES / LANG; None when the
    # vendor gives none (the menu section errors)
    custom_data: dict[str, Any] | None = None

    def rest(self) -> dict[str, Any]:
        """The error as the REST envelope shows it."""
        return {"error": self.code, "error_description": self.message}


def make(code: str, **data: Any) -> LayoutError:
    """An error from the vendor's message table, its placeholders filled from ``data``."""
    message = MESSAGES[code]
    for name, value in data.items():
        if name == "VALUES":
            value = ", ".join(f"'{v}'" for v in value)
        message = message.replace(f"#{name}#", _shown(value))
    return LayoutError(code, message, dict(data) or None)


def _shown(value: Any) -> str:
    # PHP string interpolation of a scalar or key
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return str(value)


@dataclass(frozen=True)
class Validated:
    """The normalized layout (``value``) when ``errors`` is empty; otherwise every error, in the vendor's
    order (a DTO's own checks, then its redundant fields, then its nested DTOs in property order)."""

    value: Any = None
    errors: tuple[LayoutError, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def api_error(self) -> ApiError:
        """The first error, as the vendor answers a call that failed validation."""
        first = self.errors[0]
        return ApiError(first.code, first.message)
