"""PHP's ``parse_str`` semantics for bracket parameters, and PHP's array-to-JSON shape.

The vendor's server reads every input through PHP, so ``a[5]=x`` keeps the key ``5``, ``a[]=x`` appends at
the next integer key, and a repeated plain key keeps its last value. qs-codec follows Node's ``qs`` instead
(sparse indices are compacted, list indices are capped, repeated keys are combined into lists), which changes
what a batch echoes back and what a filter means; so decoding is done here, encoding stays with qs-codec.

Arrays are built as dicts with string keys, then :func:`php_to_json` turns every dict whose keys are exactly
``"0".."n-1"`` in order into a list, which is what ``json_encode`` does with a PHP array.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

# PHP's default max_input_nesting_level; deeper keys are dropped by PHP, and by us.
MAX_DEPTH = 64


def _split_key(raw: str) -> list[str | None] | None:
    """``a[b][][c]`` -> ``['a', 'b', None, 'c']`` (None = append). None when the name is empty."""
    raw = raw.lstrip(" ")
    open_at = raw.find("[")
    if open_at == 0 or not raw:
        return None  # PHP drops a variable with an empty name
    if open_at < 0:
        # PHP turns ' ' and '.' into '_' in top-level names.
        return [raw.replace(" ", "_").replace(".", "_")]
    name = raw[:open_at].replace(" ", "_").replace(".", "_")
    parts: list[str | None] = [name]
    pos = open_at
    while pos < len(raw) and raw[pos] == "[":
        close = raw.find("]", pos + 1)
        if close < 0:
            if len(parts) == 1:
                # An unterminated first bracket makes PHP keep the whole name, with '[' turned into '_'.
                return [name + "_" + raw[open_at + 1 :].replace(" ", "_").replace(".", "_")]
            break
        segment = raw[pos + 1 : close]
        parts.append(segment if segment else None)
        pos = close + 1
        if len(parts) > MAX_DEPTH:
            return None
    return parts


def _next_index(array: dict[str, Any]) -> str:
    highest = -1
    for key in array:
        if _is_int_key(key):
            highest = max(highest, int(key))
    return str(highest + 1)


def _is_int_key(key: str) -> bool:
    # PHP turns "5" and "-5" into integer keys, but not "05", "+5" or "5.0".
    if not key:
        return False
    digits = key[1:] if key[0] == "-" else key
    return digits.isdigit() and digits.isascii() and (digits == "0" or digits[0] != "0") and key != "-0"


def assign(target: dict[str, Any], raw_key: str, value: Any) -> None:
    """Store one ``name[a][b]=value`` pair into ``target`` as PHP would."""
    parts = _split_key(raw_key)
    if parts is None:
        return
    node = target
    for i, part in enumerate(parts):
        key = _next_index(node) if part is None else part
        if i == len(parts) - 1:
            node[key] = value
            return
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child


def parse_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Build the PHP array of already-decoded ``(name, value)`` pairs (form fields, multipart parts)."""
    target: dict[str, Any] = {}
    for key, value in pairs:
        assign(target, key, value)
    return target


def parse_qs(query: str) -> dict[str, Any]:
    """``parse_str``: a raw query string (``+`` = space, percent-escapes in names and values)."""
    target: dict[str, Any] = {}
    for chunk in query.split("&"):
        if not chunk:
            continue
        name, _, value = chunk.partition("=")
        if name and "%" not in chunk and "+" not in chunk and not _RESHAPED_NAME.intersection(name):
            target[name] = value  # the common ``id=5``: nothing to decode or reshape
        else:
            assign(target, unquote_plus(name), unquote_plus(value))
    return target


# What makes PHP reshape a top-level name (brackets, and spaces and dots turned into ``_``).
_RESHAPED_NAME = frozenset("[ .")


def clean_text(text: str) -> str:
    """What a text column can hold: NUL bytes dropped and lone surrogates (``"\\ud800"`` in JSON)
    replaced, as PHP's UTF-8 handling and MySQL would leave them; the databases refuse both."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text


def php_to_json(value: Any) -> Any:
    """Turn dicts keyed ``"0".."n-1"`` in order into lists, recursively, as ``json_encode`` would; every
    string is made storable (``clean_text``) on the way."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        converted = {clean_text(k) if isinstance(k, str) else k: php_to_json(v) for k, v in value.items()}
        if converted and all(k == str(i) for i, k in enumerate(converted)):
            return list(converted.values())
        return converted
    if isinstance(value, list):
        return [php_to_json(v) for v in value]
    return value
