"""The REST endpoint: ``/rest/{user_id}/{code}/{method}`` (webhook) and ``/rest/{method}`` (OAuth ``auth``).

Optional ``.json``/``.xml`` suffix, trailing and doubled slashes tolerated, method names case-insensitive.
It is a pure ASGI app rather than a Starlette endpoint: every REST call passes here, and building Starlette's
Request/URL/Response objects cost more than the rest of a ``server.time`` call (see bench/README.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from b24crm import errors
from b24crm.auth.resolve import authenticate, presented
from b24crm.http.limits import (
    BodyTooLarge,
    ClientGone,
    counting_receive,
    read_body,
    send_too_large,
)
from b24crm.http.params import decode_form, decode_json_body, decode_query, finish_params
from b24crm.http.render import encode_body, raw_headers
from b24crm.http.server import drop_connection
from b24crm.php.query import parse_pairs
from b24crm.rpc.faults import Dropped
from b24crm.rpc.journal import CallRecord
from b24crm.rpc.offload import INLINE_PARSE_BYTES, parse_off_loop
from b24crm.rpc.timeblock import time_block

log = logging.getLogger("b24crm.http")

REST_PREFIX = "/rest"


@dataclass(frozen=True)
class RestPath:
    method: str
    fmt: str  # "json" or "xml"
    webhook: tuple[str, str] | None  # (user_id, code)


def parse_rest_path(path: str) -> RestPath:
    """``path`` is what follows ``/rest``."""
    # A client calls the same few paths over and over (ids go in the parameters); long ones are not kept,
    # so that odd paths cannot fill the memory.
    return _parse_remembered(path) if len(path) <= _REMEMBERED_PATH else _parse(path)


_REMEMBERED_PATH = 256


@lru_cache(maxsize=4096)
def _parse_remembered(path: str) -> RestPath:
    return _parse(path)


def _parse(path: str) -> RestPath:
    segments = [s for s in path.split("/") if s]
    webhook = None
    if len(segments) >= 3 and segments[0].isdigit():
        webhook = (segments[0], segments[1])
        segments = segments[2:]
    elif len(segments) == 2 and segments[0].isdigit():
        # "/rest/1/code/" without a method: the credentials are there, the method is not.
        return RestPath("", "json", (segments[0], segments[1]))
    method = "/".join(segments)
    fmt = "json"
    lower = method.lower()
    if lower.endswith(".json"):
        method = method[:-5]
    elif lower.endswith(".xml"):
        method, fmt = method[:-4], "xml"
    return RestPath(method, fmt, webhook)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _bearer(scope: Scope) -> str:
    header = _header(scope, b"authorization")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    # Behind a TLS-terminating proxy the scheme arrives in a header.
    return _header(scope, b"x-forwarded-proto").lower() == "https"


async def read_params(scope: Scope, receive: Receive) -> dict[str, Any]:
    """The merged, case-folded parameter set of a REST call (query string, then the body over it).
    Raises ``BodyTooLarge`` past the ``max_body`` setting and ``ClientGone`` when the client leaves."""
    params, _size = await read_sized_params(scope, receive)
    return params


async def read_sized_params(scope: Scope, receive: Receive) -> tuple[dict[str, Any], int]:
    """``read_params``, and the size of the input they came from."""
    limit = scope["app"].state.runtime.settings.max_body
    query = scope.get("query_string", b"")
    content_type = _header(scope, b"content-type").split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        # The multipart parser reads chunk by chunk (a short step on the loop each); the fields it
        # yields are then reshaped like any body. Their size is not kept: a field counts as 64 bytes.
        form = await decode_form(Request(scope, counting_receive(receive, limit)))
        try:
            size = len(query) + 64 * len(form)
            return await parse_off_loop(size, lambda: _merge(query, form, None, "")), size
        finally:
            await form.close()  # the spooled files of file parts, at once rather than at collection
    body = await read_body(scope, receive, limit)
    size = len(query) + len(body)
    return await parse_off_loop(size, lambda: _merge(query, None, body, content_type)), size


def _merge(query: bytes, form: Any, body: bytes | bytearray | None, content_type: str) -> dict[str, Any]:
    params = decode_query(query)
    if form is not None:
        # A part with a file name is an upload: PHP puts it in $_FILES, never among the parameters.
        params.update(parse_pairs((k, v) for k, v in form.multi_items() if isinstance(v, str)))
    elif body:
        if content_type == "application/json" or content_type.endswith("+json"):
            params.update(decode_json_body(body))
        else:
            params.update(decode_query(body))
    return finish_params(params)


async def _respond(send: Send, body: dict[str, Any], status: int, fmt: str) -> None:
    content, content_type = encode_body(body, fmt)
    await send(
        {"type": "http.response.start", "status": status, "headers": raw_headers(content_type, len(content))}
    )
    await send({"type": "http.response.body", "body": content})


class RestApp:
    """The ASGI app behind ``/rest``; a class so that Starlette routes to it without wrapping it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await handle_rest(scope, receive, send)


async def handle_rest(scope: Scope, receive: Receive, send: Send) -> None:
    runtime = scope["app"].state.runtime
    journal = runtime.workbench.journal
    if journal is None:  # the request log is off: nothing else to do
        await _handle_rest(scope, receive, send, runtime, None)
        return
    call = journal.begin(scope, send)
    try:
        await _handle_rest(scope, receive, call.send, runtime, call)
    finally:
        journal.finish(call)


async def _handle_rest(
    scope: Scope, receive: Receive, send: Send, runtime: Any, call: CallRecord | None
) -> None:
    route = parse_rest_path(scope["path"][len(REST_PREFIX) :])
    tools = runtime.workbench
    if call is not None:
        call.route, call.fmt = route, route.fmt
    try:
        start = runtime.clock.now()
        params, size = await read_sized_params(scope, receive)
        if call is not None:
            call.params, call.size = params, size
        # The vendor resolves the method first: an unknown one is 404 whatever the credentials.
        if runtime.registry.get(route.method) is None:
            raise errors.ERROR_METHOD_NOT_FOUND()
        https = is_https(scope)
        # Only webhook credentials are refused over plain HTTP, as the vendor's APAuth does.
        if runtime.settings.require_https and not https and route.webhook is not None:
            raise errors.INVALID_REQUEST()
        credential = await authenticate(
            runtime.tenancy,
            runtime.oauth,
            presented(route.webhook, params, "" if route.webhook else _bearer(scope)),
        )
        if call is not None:
            call.credential = credential
        # Faults on demand (rpc/faults.py); a portal without rules costs a look at the credential.
        if tools.faults.may_apply(credential):
            page = await tools.faults.apply(credential, route.method.lower(), credential.kind)
            if page is not None:  # a proxy's error page instead of the answer
                html = [(b"content-type", b"text/html"), (b"content-length", str(len(page)).encode())]
                await send({"type": "http.response.start", "status": 502, "headers": html})
                await send({"type": "http.response.body", "body": page})
                return
        # The leaky bucket counts the HTTP request once, a batch included (off: a look at the credential).
        if tools.limits.may_apply(credential):
            client = scope.get("client")
            await tools.limits.admit(credential, client[0] if client else "", route.method.lower())
        params.pop("auth", None)
        params.pop("access_token", None)
        outcome = await runtime.dispatcher.invoke(
            credential, route.method, params, https=https, heavy=size > INLINE_PARSE_BYTES
        )
    except errors.ApiError as exc:
        if call is not None:
            call.error = exc.code
        await _respond(send, exc.body(), exc.status, route.fmt)
        return
    except BodyTooLarge:
        await send_too_large(send)
        return
    except ClientGone:
        return  # nobody to answer
    except Dropped:
        if call is not None:
            call.error = "connection dropped"
        drop_connection(scope)
        return
    except Exception:
        log.exception("internal error in %s", route.method)
        crash = errors.INTERNAL_SERVER_ERROR()
        if call is not None:
            call.error = crash.code
        await _respond(send, crash.body(), crash.status, route.fmt)
        return
    body: dict[str, Any] = {"result": outcome.result}
    if outcome.next is not None:
        body["next"] = outcome.next
    if outcome.total is not None:
        body["total"] = outcome.total
    timing = time_block(start, runtime.clock.now(), outcome.processing, credential.portal.tz)
    timing["operating"], timing["operating_reset_at"] = outcome.operating or runtime.operating.read(
        credential.key, outcome.spec.key, timing["finish"]
    )
    body["time"] = timing
    await _respond(send, body, 200, route.fmt)
