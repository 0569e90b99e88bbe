"""The authorization server's addresses, as clients call them: ``/oauth/authorize/`` (a browser
redirect) and ``/oauth/token/`` (GET as b24pysdk, b24phpsdk and fast-bitrix24's examples send it, a form
POST as b24jssdk sends it).

The cloud's authorization server is a host of its own, with its own ``/rest/app.info/`` (b24pysdk's
``BitrixToken.get_app_info``). Here this server is the portal too, and its ``/rest/app.info`` is the
portal's method, so the authorization server also answers under ``/oauth-server``: a client configured
with ``{base}/oauth-server`` as its OAuth host finds ``/oauth/token/`` and ``/rest/app.info/`` there."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from b24crm.apps.oauth import OAuthError
from b24crm.errors import ApiError
from b24crm.http.params import decode_query, finish_params
from b24crm.http.render import encode_body
from b24crm.http.rest import read_params
from b24crm.rpc.timeblock import time_block
from b24crm.runtime import Runtime

OAUTH_SERVER = "/oauth-server"


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


async def server_app_info(request: Request) -> Response:
    """The authorization server's app.info: the token's application, installation and user."""
    runtime: Runtime = request.app.state.runtime
    start = runtime.clock.now()
    params = await _params(request)
    token = next(
        (t for t in (params.get("auth"), params.get("access_token")) if isinstance(t, str) and t), ""
    )
    try:
        result = await run_in_threadpool(runtime.oauth.server_app_info, token)
    except OAuthError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    finish = runtime.clock.now()
    # The server's time block, in UTC: the authorization server keeps no portal's time zone.
    body = {"result": result, "time": time_block(start, finish, finish - start, UTC)}
    content, content_type = encode_body(body, "json")
    return Response(content, media_type=content_type)


routes = [
    Route("/oauth/authorize/", authorize, methods=["GET", "POST"]),
    Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
    Route("/oauth/token/", token, methods=["GET", "POST"]),
    Route("/oauth/token", token, methods=["GET", "POST"]),
    Route(f"{OAUTH_SERVER}/oauth/token/", token, methods=["GET", "POST"]),
    Route(f"{OAUTH_SERVER}/oauth/token", token, methods=["GET", "POST"]),
    Route(f"{OAUTH_SERVER}/rest/app.info/", server_app_info, methods=["GET", "POST"]),
    Route(f"{OAUTH_SERVER}/rest/app.info", server_app_info, methods=["GET", "POST"]),
    Route(f"{OAUTH_SERVER}/rest/app.info.json", server_app_info, methods=["GET", "POST"]),
]
