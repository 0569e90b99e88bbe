"""The authorization server's two addresses, as clients call them: ``/oauth/authorize/`` (a browser
redirect) and ``/oauth/token/`` (GET as b24pysdk, b24phpsdk and fast-bitrix24's examples send it, a form
POST as b24jssdk sends it)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from b24crm.apps.oauth import OAuthError
from b24crm.http.params import decode_json_body, decode_query
from b24crm.runtime import Runtime


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = decode_query(request.scope.get("query_string", b""))
    if request.method == "POST":
        body = await request.body()
        if body:
            content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            try:
                extra = decode_json_body(body) if content_type.endswith("json") else decode_query(body)
            except Exception:  # an unreadable body: treated as absent, the grant checks then answer
                extra = {}
            params.update(extra)
    return params


async def authorize(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    query = {k: v for k, v in (await _params(request)).items() if isinstance(v, str)}
    try:
        location = await run_in_threadpool(runtime.oauth.authorize, query)
    except OAuthError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    return RedirectResponse(location, status_code=302)


async def token(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    params = await _params(request)
    try:
        answer = await run_in_threadpool(runtime.oauth.token, params)
    except OAuthError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    return JSONResponse(answer)


routes = [
    Route("/oauth/authorize/", authorize, methods=["GET", "POST"]),
    Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
    Route("/oauth/token/", token, methods=["GET", "POST"]),
    Route("/oauth/token", token, methods=["GET", "POST"]),
]
