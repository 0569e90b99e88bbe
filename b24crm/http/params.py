"""One parameter set from a request: query string, form, multipart or JSON body, merged as the vendor does.

The vendor reads GET values, then replaces them key by key with the POST data (the JSON body for a JSON
content type, the form fields otherwise, ``parse_str`` of the raw body as the last resort). Top-level names
fold case, last one wins, and the SDKs' ``bx24_*`` telemetry parameters are dropped.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from b24crm import errors
from b24crm.php.query import fold_top_level, parse_qs, top_level_json


def finish_params(params: dict[str, Any]) -> dict[str, Any]:
    """Merged raw parameters -> what handlers see: names folded, PHP arrays in their JSON shape. Input
    nested deeper than the reshaping can follow is refused as PHP's decoder (depth 512) refuses it."""
    if not params:
        return {}
    try:
        return top_level_json(fold_top_level(params))
    except RecursionError:
        raise errors.WRONG_ENCODING() from None


def decode_query(query: bytes | bytearray | str) -> dict[str, Any]:
    if not query:
        return {}
    text = query if isinstance(query, str) else query.decode("utf-8", "replace")
    return parse_qs(text)


async def decode_form(request: Request) -> FormData:
    """The fields of a multipart body, in order, not yet reshaped (``php.query.parse_pairs`` does that). A
    body that is not multipart (no boundary, a part without a name, garbage) gives no fields, as PHP
    leaves ``$_POST`` empty then."""
    try:
        return await request.form(max_files=10_000, max_fields=100_000)
    except (HTTPException, MultiPartException):
        return FormData()


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; PHP's decoder refuses them too.
    raise ValueError(name)


def _finite_float(text: str) -> float:
    # A literal beyond a double (1e999) would come out as infinity: not JSON that any store or encoder
    # takes back (PostgreSQL's json refuses it, the answer's encoder writes null), so refused as NaN is.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def decode_json_body(body: bytes | bytearray) -> dict[str, Any]:
    try:
        data = json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nesting beyond any PHP decoder's too
        raise errors.WRONG_ENCODING() from exc
    if isinstance(data, list):
        # A PHP array decoded from a JSON list has the keys 0..n-1.
        return {str(i): v for i, v in enumerate(data)}
    if not isinstance(data, dict):
        raise errors.WRONG_ENCODING()
    return data
