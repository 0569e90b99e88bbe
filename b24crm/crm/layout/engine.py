"""The interpreter of the DTO tables: what the vendor's ``new SomeDto($fields)`` does with an array.

Its base class runs the DTO's checks on the raw array, then the redundant-field check, then casts each
declared property that is present (in declaration order), building nested DTOs, whose errors it appends.
Every property is nullable: a null value counts as present for FIELD_IS_REQUIRED and is left out of the
echo. A nested value that is not an array still becomes an (empty, unchecked) DTO, so the only error it
gives is its parent's WRONG_FIELD_VALUE, and only where the parent checks it.

The input is PHP's view of the JSON: an object or a list is an array, and a key that is a canonical
decimal integer is an integer key (integer keys pass the key-character check). Comparisons with enum values
are PHP 8's loose ``in_array``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from b24crm.crm.layout import codes
from b24crm.crm.layout.result import LayoutError, make
from b24crm.crm.layout.schema import BLOCK_PROPERTIES, DTOS, Check, Dto
from b24crm.php.values import php_int, php_str

Key = int | str

_INT_KEY = re.compile(r"(0|-?[1-9][0-9]{0,18})")
_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")
# PCRE's "$" also matches before a final newline, as Python's does: kept on purpose.
_KEY_CHARS = re.compile(r"^[a-zA-Z0-9\-_]+$")
_HEX_COLOR = re.compile(r"^#[a-fA-F0-9]{6}$")


@dataclass(frozen=True)
class Context:
    icons: tuple[str, ...]
    logos: tuple[str, ...]
    languages: tuple[str, ...]


# --- PHP's view of values --------------------------------------------------------------------------------


def is_array(value: Any) -> bool:
    return isinstance(value, (dict, list))


def php_key(key: Any) -> Key:
    if isinstance(key, bool):
        return int(key)
    if isinstance(key, int):
        return key
    if isinstance(key, float):
        return int(key) if key == key and abs(key) < 2**63 else 0
    text = "" if key is None else str(key)
    if _INT_KEY.fullmatch(text) and -(2**63) <= int(text) < 2**63:
        return int(text)
    return text


def entries(value: Any) -> list[tuple[Key, Any]]:
    """The (key, value) pairs of a PHP array; nothing for a non-array (PHP's foreach skips it)."""
    if isinstance(value, list):
        return list(enumerate(value))
    if isinstance(value, dict):
        merged: dict[Key, Any] = {}
        for key, item in value.items():
            merged[php_key(key)] = item
        return list(merged.items())
    return []


def php_array(pairs: list[tuple[Key, Any]]) -> list[Any] | dict[str, Any]:
    """How json_encode writes a PHP array: a list when its keys are 0..n-1 in order (the empty array
    too), an object otherwise."""
    if all(key == index and isinstance(key, int) for index, (key, _) in enumerate(pairs)):
        return [item for _, item in pairs]
    return {str(key): item for key, item in pairs}


def php_value(value: Any) -> Any:
    """A JSON-like value as PHP decodes and re-encodes it (integer keys, empty objects as lists)."""
    if is_array(value):
        return php_array([(key, php_value(item)) for key, item in entries(value)])
    return value


def _number(text: str) -> float | None:
    if not _NUMERIC.fullmatch(text):
        return None
    try:
        return float(text)
    except (ValueError, OverflowError):
        return None


def loose_eq(value: Any, option: str) -> bool:
    """PHP 8 ``$value == $option`` for a string option."""
    if isinstance(value, bool):
        return value == (option not in ("", "0"))
    if value is None:
        return option == ""
    if isinstance(value, str):
        left, right = _number(value), _number(option)
        if left is not None and right is not None:
            return left == right
        return value == option
    if isinstance(value, (int, float)):
        right = _number(option)
        if right is None:
            return php_str(value) == option
        try:
            return float(value) == right
        except OverflowError:
            return False
    return False


def loose_in(value: Any, options: tuple[str, ...]) -> bool:
    return any(loose_eq(value, option) for option in options)


def _php_cast_bool(value: Any) -> bool:
    # the DTO's bool caster: a string is true only as "true" or "Y" (any case); "1" is false
    if isinstance(value, str):
        return value.upper() in ("TRUE", "Y")
    return bool(value)


# --- the DTO constructor ---------------------------------------------------------------------------------


def build(name: str, raw: Any, ctx: Context) -> tuple[Any, list[LayoutError]]:
    """``new <name>($raw)``: the echo (its toArray) and its errors. A non-array gives an empty DTO."""
    dto = DTOS[name]
    if not is_array(raw):
        return [], []
    fields = dict(entries(raw))
    errors: list[LayoutError] = []
    for check in _checks(dto, fields):
        errors.extend(_run(check, dto, fields, ctx))
    names = dto.names
    for key in fields:
        if not (isinstance(key, str) and key in names):
            errors.append(make("FIELD_IS_REDUNDANT", FIELD=key, PARENT_OBJECT=dto.name))
    echo: list[tuple[Key, Any]] = []
    cast: dict[str, Any] = {}
    for prop, kind in dto.props:
        if prop not in fields:
            continue
        value, nested = _cast(kind, fields[prop], cast, ctx)
        cast[prop] = value
        errors.extend(nested)
        if value is not None:
            echo.append((prop, value))
    return php_array(echo), errors


def _checks(dto: Dto, fields: dict[Key, Any]) -> tuple[Check, ...]:
    if not dto.checks_by_type:
        return dto.checks
    chosen = fields.get("type")
    for case, checks in dto.checks_by_type:
        if loose_eq(chosen, case):
            return checks
    return dto.checks


def _cast(kind: str, raw: Any, cast: dict[str, Any], ctx: Context) -> tuple[Any, list[LayoutError]]:
    if raw is None:
        return None, []
    if kind == "str":
        return php_str(raw), []
    if kind == "int":
        return php_int(raw), []
    if kind == "bool":
        return _php_cast_bool(raw), []
    if kind == "text":
        # textWithTranslation: a scalar becomes its string, an array of translations is kept as given
        if is_array(raw):
            return php_value(raw), []
        return (php_str(raw), []) if isinstance(raw, (str, int, float, bool)) else (None, [])
    if kind == "strings":
        return php_array([(k, None if v is None else php_str(v)) for k, v in entries(raw)]), []
    if kind == "props":
        block_type = cast.get("type")
        target = BLOCK_PROPERTIES.get(block_type) if isinstance(block_type, str) else None
        return build(target, raw, ctx) if target else (None, [])
    sort, _, target = kind.partition(":")
    if sort == "obj":
        return build(target, raw, ctx)
    errors: list[LayoutError] = []
    items: list[tuple[Key, Any]] = []
    for key, item in entries(raw):
        if item is None:
            items.append((key, None))
            continue
        value, nested = build(target, item, ctx)
        items.append((key, value))
        errors.extend(nested)
    return php_array(items), errors


# --- the checks ------------------------------------------------------------------------------------------


def _run(check: Check, dto: Dto, fields: dict[Key, Any], ctx: Context) -> list[LayoutError]:
    kind, args = check[0], check[1:]
    parent = dto.name
    if kind == "menu_sections":
        return _menu_sections(fields)
    name = args[0]
    present = name in fields
    value = fields.get(name)
    if kind == "required":
        return [] if present else [make("FIELD_IS_REQUIRED", FIELD=name, PARENT_OBJECT=parent)]
    if not present:
        return []
    if kind == "enum":
        options = _options(args[1], ctx)
        if loose_in(value, options):
            return []
        return [make("ENUM_FIELD", FIELD=name, PARENT_OBJECT=parent, VALUES=list(options))]
    if kind == "object":
        return [] if is_array(value) else [_wrong(name, parent)]
    if kind in ("objects", "scalars"):
        return _collection(name, value, parent, args[1], objects=kind == "objects")
    if kind == "translation":
        return _translation(name, value, parent, ctx)
    if kind == "simple_block":
        return _simple_block(value, args[1])
    if kind == "hex_color":
        # A PHP array here stops the vendor's request with a type error; refused as a wrong value instead.
        if value is None or (isinstance(value, (str, int, float, bool)) and _HEX_COLOR.match(php_str(value))):
            return []
        return [_wrong(name, parent)]
    raise AssertionError(f"unknown check {kind}")


def _options(spec: tuple[str, ...] | str, ctx: Context) -> tuple[str, ...]:
    if spec == "@icons":
        return codes.SYSTEM_ICONS + ctx.icons
    if spec == "@logos":
        return codes.SYSTEM_LOGOS + ctx.logos
    assert isinstance(spec, tuple)
    return spec


def _wrong(name: str, parent: str) -> LayoutError:
    return make("WRONG_FIELD_VALUE", FIELD=name, PARENT_OBJECT=parent)


def _collection(name: str, value: Any, parent: str, limit: int, *, objects: bool) -> list[LayoutError]:
    if not is_array(value):
        return [_wrong(name, parent)]
    errors: list[LayoutError] = []
    items = entries(value)
    for key, item in items:
        if isinstance(key, str) and not _KEY_CHARS.match(key):
            errors.append(make("KEY_CONTAIN_WRONG_SYMBOLS", KEY=key, PARENT_OBJECT=parent))
        fits = is_array(item) if objects else isinstance(item, (str, int, float, bool))
        if not fits:
            errors.append(_wrong(f"{name}[{key}]", parent))
    if len(items) > limit:
        errors.append(make("TOO_MANY_ITEMS", FIELD=name, PARENT_OBJECT=parent, COUNT=limit))
    return errors


def _translation(name: str, value: Any, parent: str, ctx: Context) -> list[LayoutError]:
    errors: list[LayoutError] = []
    for lang, text in entries(value):
        if not loose_in(lang, ctx.languages):
            errors.append(make("WRONG_LANG", LANG=lang, PARENT_OBJECT=parent))
        elif not isinstance(text, str):
            errors.append(_wrong(f"{name}[{lang}]", parent))
    return errors


def _simple_block(value: Any, is_collection: bool) -> list[LayoutError]:
    if not is_collection:
        return _simple_block_type(value) if is_array(value) else []
    # The vendor keeps only the verdict on the LAST block that is an array (its loop reassigns the
    # result), so an unsuitable block followed by a suitable one passes this check.
    verdict: list[LayoutError] = []
    for _, item in entries(value):
        if is_array(item):
            verdict = _simple_block_type(item)
    return verdict


def _simple_block_type(block: Any) -> list[LayoutError]:
    fields = dict(entries(block))
    block_type = fields.get("type")
    if loose_in("" if block_type is None else block_type, codes.SIMPLE_BLOCK_TYPES):
        return []
    return [_wrong("type", "ContentBlockDto")]


def _menu_sections(fields: dict[Key, Any]) -> list[LayoutError]:
    """The menu's section rules (vendor: FooterMenuDto's own validator; its messages are plain English
    and carry no customData)."""
    sections = fields.get("sections")
    if not is_array(sections) or not sections:
        return []
    declared = [
        php_str(section_fields["code"])
        for _, section in entries(sections)
        if is_array(section)
        for section_fields in (dict(entries(section)),)
        if section_fields.get("code") is not None
    ]
    errors: list[LayoutError] = []
    for code in declared:
        if code in codes.RESERVED_SECTION_CODES:
            errors.append(
                LayoutError(
                    "MENU_RESERVED_SECTION_CODE",
                    f"Section code '{code}' is reserved and cannot be used by apps",
                )
            )
    seen: set[str] = set()
    for code in declared:
        if code in seen:
            errors.append(LayoutError("MENU_DUPLICATE_SECTION_CODE", f"Section code '{code}' is duplicated"))
        seen.add(code)
    items = fields.get("items", [])
    if items is None:
        items = []
    if not is_array(items):
        return errors
    for index, item in entries(items):
        if not is_array(item):
            continue
        section_code = dict(entries(item)).get("sectionCode")
        if section_code is None or section_code == "":
            errors.append(
                LayoutError(
                    "MENU_MISSING_SECTION_CODE",
                    f"Item at index {index} must have sectionCode when sections are defined",
                )
            )
            continue
        if not (isinstance(section_code, str) and section_code in declared):
            errors.append(
                LayoutError(
                    "MENU_UNKNOWN_SECTION_CODE",
                    f"Item at index {index} references unknown sectionCode '{php_str(section_code)}'",
                )
            )
    return errors
