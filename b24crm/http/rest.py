"""The REST endpoint: ``/rest/{user_id}/{code}/{method}`` (webhook) and ``/rest/{method}`` (OAuth ``auth``).

Optional ``.json``/``.xml`` suffix, trailing and doubled slashes tolerated, method names case-insensitive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from b24crm import errors
from b24crm.auth.resolve import authenticate, presented
from b24crm.http.params import request_params
from b24crm.http.render import render, render_error
from b24crm.rpc.timeblock import time_block

log = logging.getLogger("b24crm.http")


@dataclass(frozen=True)
class RestPath:
    method: str
    fmt: str  # "json" or "xml"
    webhook: tuple[str, str] | None  # (user_id, code)


def parse_rest_path(path: str) -> RestPath:
    segments = [s for s in path.split("/") if s]
    webhook = None
    if len(segments) >= 3 and segments[0].isdigit():
        webhook = (segments[0], segments[1])
        segments = segments[2:]
    elif len(segments) == 2 and segments[0].isdigit():
        # "/rest/1/code/" without a method: the credentials are there, the method is not.
        return RestPath("", "json", (segments[0], segments[1]))
    method = segments[0] if len(segments) == 1 else "/".join(segments)
    fmt = "json"
    lower = method.lower()
    if lower.endswith(".json"):
        method = method[:-5]
    elif lower.endswith(".xml"):
        method, fmt = method[:-4], "xml"
    return RestPath(method, fmt, webhook)


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    # Behind a TLS-terminating proxy the scheme arrives in a header.
    return request.headers.get("x-forwarded-proto", "").lower() == "https"


async def rest_endpoint(request: Request) -> Response:
    runtime = request.app.state.runtime
    route = parse_rest_path(request.path_params.get("path", ""))
    try:
        start = runtime.clock.now()
        params = await request_params(request)
        https = is_https(request)
        if runtime.settings.require_https and not https:
            raise errors.INVALID_REQUEST()
        credential = await authenticate(runtime, presented(route.webhook, params))
        params.pop("auth", None)
        outcome = await runtime.dispatcher.invoke(credential, route.method, params, https=https)
    except errors.ApiError as exc:
        return render_error(exc, route.fmt)
    except Exception:
        log.exception("internal error in %s", route.method)
        return render_error(errors.INTERNAL_SERVER_ERROR(), route.fmt)
    body: dict[str, Any] = {"result": outcome.result}
    if outcome.next is not None:
        body["next"] = outcome.next
    if outcome.total is not None:
        body["total"] = outcome.total
    timing = time_block(start, runtime.clock.now(), outcome.processing, credential.portal.tz)
    operating, reset_at = runtime.operating.read(credential.key, outcome.spec.key, timing["finish"])
    timing["operating"] = operating
    timing["operating_reset_at"] = reset_at
    body["time"] = timing
    return render(body, 200, route.fmt)
