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


class _PhpArray(dict[str, Any]):
    """A PHP array being built: it remembers its next free integer key, as PHP's ``nNextFreeElement``
    does, so that an ``a[]`` append costs the same whatever the array already holds (rescanning the keys
    on every append made a 30 KB body of ``a[]=1`` pairs take seconds)."""

    __slots__ = ("next_index",)

    def __init__(self) -> None:
        super().__init__()
        self.next_index = 0

    def put(self, key: str | None, value: Any) -> str | None:
        """Store ``value`` at ``key`` (``None``: append); answers the key used, or None when PHP drops it."""
        if key is None:
            if self.next_index > _PHP_INT_MAX:
                return None  # PHP cannot append past PHP_INT_MAX and drops the value
            key = str(self.next_index)
            self.next_index += 1
        elif _is_int_key(key):
            self.next_index = max(self.next_index, int(key) + 1)
        self[key] = value
        return key


# PHP's integer keys are 64-bit: a longer run of digits stays a string key (and int() of thousands of
# digits is slow, or refused by Python's digit limit).
_PHP_INT_MAX = 2**63 - 1
_PHP_INT_DIGITS = len(str(_PHP_INT_MAX))


def _is_int_key(key: str) -> bool:
    # PHP turns "5" and "-5" into integer keys, but not "05", "+5" or "5.0".
    if not key:
        return False
    digits = key[1:] if key[0] == "-" else key
    if not (digits.isdigit() and digits.isascii() and (digits == "0" or digits[0] != "0") and key != "-0"):
        return False
    if len(digits) < _PHP_INT_DIGITS:
        return True
    return len(digits) == _PHP_INT_DIGITS and int(digits) <= _PHP_INT_MAX + (key[0] == "-")


def assign(target: dict[str, Any], raw_key: str, value: Any) -> None:
    """Store one ``name[a][b]=value`` pair into ``target`` (made by :func:`new_array`) as PHP would."""
    _store(target, _split_key(raw_key), value)


def _store(target: dict[str, Any], parts: list[str | None] | None, value: Any) -> None:
    if parts is None:
        return
    if not isinstance(target, _PhpArray):
        raise TypeError("assign() builds into an array made by new_array()")
    node = target
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if i == last:
            node.put(part, value)
            return
        child = node.get(part) if part is not None else None
        if not isinstance(child, _PhpArray):
            child = _PhpArray()
            if node.put(part, child) is None:
                return
        node = child


def new_array() -> dict[str, Any]:
    """An empty PHP array for :func:`assign` to build into."""
    return _PhpArray()


def parse_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Build the PHP array of already-decoded ``(name, value)`` pairs (form fields, multipart parts)."""
    target = new_array()
    for key, value in pairs:
        assign(target, key, value)
    return target


def parse_qs(query: str) -> dict[str, Any]:
    """``parse_str``: a raw query string (``+`` = space, percent-escapes in names and values)."""
    target = new_array()
    # A body repeats its names (``a[]``, ``fields[FM][0][VALUE]``...): each distinct one is split once.
    splits: dict[str, list[str | None] | None] = {}
    for chunk in query.split("&"):
        if not chunk:
            continue
        name, _, value = chunk.partition("=")
        if "%" in chunk or "+" in chunk:
            name, value = unquote_plus(name), unquote_plus(value)
        if name and not _RESHAPED_NAME.intersection(name):
            target[name] = value  # the common ``id=5``: nothing to reshape
            continue
        parts = splits.get(name, _UNSPLIT)
        if parts is _UNSPLIT:
            parts = splits[name] = _split_key(name)
        _store(target, parts, value)
    return target


_UNSPLIT: Any = object()


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


# The SDKs' telemetry (b24jssdk, b24phpsdk) rides along with every call.
TELEMETRY_PREFIX = "bx24_"


def fold_top_level(params: dict[str, Any]) -> dict[str, Any]:
    """Lower-case the top-level names, dropping telemetry; a later name wins over an earlier one."""
    folded: dict[str, Any] = {}
    for key, value in params.items():
        lower = key.lower()
        if lower.startswith(TELEMETRY_PREFIX):
            continue
        folded.pop(lower, None)
        folded[lower] = value
    return folded


def top_level_json(params: dict[str, Any]) -> dict[str, Any]:
    """``php_to_json`` of each parameter's value: the parameters themselves stay named, also when their
    names are ``0..n-1`` (``?0=a``, a JSON list body), which PHP keeps as ordinary names."""
    return {name: php_to_json(value) for name, value in params.items()}


def call_params(query: str) -> dict[str, Any]:
    """The parameters of a call written as a query string (a ``batch`` command): names folded, values
    in their JSON shape, as a request's own."""
    return top_level_json(fold_top_level(parse_qs(query)))
