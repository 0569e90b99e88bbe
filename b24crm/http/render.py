"""Serialise answers as the vendor does: JSON by default, XML for the ``.xml`` suffix.

JSON follows PHP's ``Json::encode`` flags: ``<``, ``>``, ``&`` and ``'`` come out hex-escaped, ``/`` as
``\\/`` and Unicode raw. Those characters can only occur inside JSON strings, so replacing them in the
encoded text is safe.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

import orjson
from starlette.responses import Response

from b24crm.errors import ApiError
from b24crm.results import Encoded

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# The vendor's REST server sends these on every answer.
COMMON_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "origin, content-type, accept",
    "X-Content-Type-Options": "nosniff",
}

_PHP_ESCAPES = (("/", "\\/"), ("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("'", "\\u0027"))
_COMMON_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in COMMON_HEADERS.items()]
_TYPE_RAW = {JSON_TYPE: JSON_TYPE.encode(), XML_TYPE: XML_TYPE.encode()}


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, Encoded):
        return value.decoded()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Encoded):
        return orjson.Fragment(value.json)  # spliced in as it is; the PHP escapes below cover it too
    return _default(value)


# Built once: constructing an encoder per answer is measurable on the hot path.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default)


_PHP_ESCAPES_RAW = tuple((char.encode(), escaped.encode()) for char, escaped in _PHP_ESCAPES)
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def encode_json(body: Any) -> bytes:
    # orjson writes a 44 KB list page in a tenth of the standard library's time (bench/README.md);
    # what it refuses (lone surrogates, integers past 64 bits) goes the standard way.
    try:
        encoded = orjson.dumps(body, default=_orjson_default, option=_ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return _encode_json_stdlib(body)
    for char, escaped in _PHP_ESCAPES_RAW:
        if char in encoded:
            encoded = encoded.replace(char, escaped)
    return encoded


def _encode_json_stdlib(body: Any) -> bytes:
    text = _ENCODER.encode(body)
    for char, escaped in _PHP_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    # Lone surrogates (from "\ud800" in a JSON request) cannot be UTF-8: PHP substitutes them too.
    return text.encode("utf-8", "replace")


def _xml_value(value: Any, out: list[str]) -> None:
    if isinstance(value, Encoded):
        value = value.decoded()
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_element(key, item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _xml_element(0, item, out)
    elif value is True:
        out.append("1")  # PHP's string form of true; false and null are empty
    elif value is False or value is None:
        out.append("")
    else:
        out.append(escape(str(value), {'"': "&quot;"}))


# An XML name as the answers' keys nearly always are (field names, batch keys, settings keys).
_PLAIN_NAME = re.compile(r"[A-Za-z_][\w.\-]*", re.ASCII)


def _name_char(ch: str) -> bool:
    # ASCII only: XML parsers disagree on which other letters a name may hold (expat keeps XML 1.0's
    # Unicode 2.0 tables and refuses newer ones), and "\w" lets "²" or "µ" through, which none admits.
    return ch.isascii() and (ch.isalnum() or ch in "_.-")


def _xml_name(name: str) -> str:
    """``name`` made a well-formed element name. The vendor's ``outputXml`` writes keys as they are, so a
    key holding markup (a batch command's, a stored SETTINGS key) came back as markup, also to other users
    reading the record; here every character other than ASCII letters, digits, ``_``, ``.`` and ``-``
    becomes ``_``, and a name that cannot begin an element gets a leading ``_`` (docs/compatibility.md)."""
    if _PLAIN_NAME.fullmatch(name):
        return name
    cleaned = "".join(ch if _name_char(ch) else "_" for ch in name)
    if not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = "_" + cleaned
    return cleaned


def _xml_element(key: Any, value: Any, out: list[str]) -> None:
    # The vendor's outputXml: numeric keys (list positions included) become <item>.
    name = str(key)
    name = "item" if isinstance(key, int) or name.lstrip("-").isdigit() or not name else _xml_name(name)
    out.append(f"<{name}>")
    _xml_value(value, out)
    out.append(f"</{name}>")


def encode_xml(body: dict[str, Any]) -> bytes:
    out = ['<?xml version="1.0" ?><response>']
    _xml_value(body, out)
    out.append("</response>")
    return "".join(out).encode("utf-8", "replace")


def encode_body(body: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    if fmt == "xml":
        return encode_xml(body), XML_TYPE
    return encode_json(body), JSON_TYPE


def raw_headers(content_type: str, length: int) -> list[tuple[bytes, bytes]]:
    """ASGI headers of an answer, the constant ones encoded once."""
    return [
        (b"content-type", _TYPE_RAW[content_type]),
        (b"content-length", str(length).encode()),
        *_COMMON_RAW,
    ]


def render(body: dict[str, Any], status: int = 200, fmt: str = "json") -> Response:
    content, content_type = encode_body(body, fmt)
    return Response(content, status_code=status, headers=COMMON_HEADERS, media_type=content_type)


def render_error(error: ApiError, fmt: str = "json") -> Response:
    return render(error.body(), error.status, fmt)
