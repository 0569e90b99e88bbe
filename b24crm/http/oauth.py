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
from b24crm.errors import ApiError
from b24crm.http.params import decode_query, finish_params
from b24crm.http.rest import read_params
from b24crm.runtime import Runtime


async def _params(request: Request) -> dict[str, Any]:
    """The parameters as the REST endpoint reads them (query, then any body; text made storable)."""
    try:
        return await read_params(request.scope, request.receive)
    except ApiError:  # an unreadable JSON body: treated as absent, the grant checks then answer
        return finish_params(decode_query(request.scope.get("query_string", b"")))


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
