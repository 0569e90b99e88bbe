"""The validator of the vendor's LayoutDto (configurable activities) and RestAppLayoutDto (additional
content blocks): pure values in, the normalized layout or every error out.

    result = validate_layout(layout, icons=portal_icon_codes, logos=portal_logo_codes)
    if not result.ok:
        raise result.api_error()        # the first error, as the vendor's REST bridge answers
    store(result.value)                 # what configurable.get echoes

The rules are tables (``schema.py``); ``engine.py`` applies them the way the vendor's DTO base class does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from b24crm.crm.layout import codes
from b24crm.crm.layout.engine import Context, build, is_array
from b24crm.crm.layout.result import LayoutError, Validated, make

__all__ = ["LayoutError", "Validated", "validate_app_blocks", "validate_layout"]


def _context(icons: Iterable[str], logos: Iterable[str], languages: Iterable[str]) -> Context:
    return Context(tuple(icons), tuple(logos), tuple(languages))


def _not_an_array(value: Any, name: str) -> Validated:
    # What the action's argument binder answers before the DTO is built (its parameter is an array).
    shown = (
        "Array"
        if is_array(value)
        else ("1" if value is True else "" if value in (None, False) else str(value))
    )
    return Validated(
        errors=(
            LayoutError(
                "100",
                f"Invalid value {{{shown}}} to match with parameter {{{name}}}."
                " Should be value of type array.",
            ),
        )
    )


def validate_layout(
    value: Any,
    *,
    icons: Iterable[str] = (),
    logos: Iterable[str] = (),
    languages: Iterable[str] = codes.LANGUAGES,
    creating: bool = True,
) -> Validated:
    """A configurable activity's ``layout`` (LayoutDto).

    ``icons`` / ``logos``: the portal's custom codes, allowed besides the system ones. ``creating``:
    configurable.add, where an empty layout is ERROR_EMPTY_LAYOUT; on update an empty or absent layout
    keeps the stored one (``value`` None, no error).
    """
    if value is None or (is_array(value) and not value):
        return Validated(errors=(make("ERROR_EMPTY_LAYOUT"),)) if creating else Validated()
    if not is_array(value):
        return _not_an_array(value, "layout")
    echo, errors = build("LayoutDto", value, _context(icons, logos, languages))
    return Validated(None if errors else echo, tuple(errors))


def validate_app_blocks(value: Any, *, languages: Iterable[str] = codes.LANGUAGES) -> Validated:
    """An application's additional content blocks (RestAppLayoutDto: ``{"blocks": {...}}``), the
    ``layout`` of crm.activity.layout.blocks.set and crm.timeline.layout.blocks.set."""
    if not is_array(value):
        return _not_an_array(value, "layout")
    echo, errors = build("RestAppLayoutBlocksDto", value, _context((), (), languages))
    return Validated(None if errors else echo, tuple(errors))
