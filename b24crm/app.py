"""``create_app(runtime)``: the route table, nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from b24crm.admin.routes import routes as admin_routes
from b24crm.background import lifespan
from b24crm.http.files import download_timeline_file, show_file, show_timeline_file
from b24crm.http.icons import PATH as ICON_PATH
from b24crm.http.icons import show_icon
from b24crm.http.limits import (
    TOO_LARGE_HTML,
    BodyTooLarge,
    ClientGone,
    counting_receive,
    declared_length,
    send_too_large,
)
from b24crm.http.oauth import routes as oauth_routes
from b24crm.http.render import COMMON_HEADERS
from b24crm.http.rest import REST_PREFIX, RestApp, handle_rest
from b24crm.runtime import Runtime
from b24crm.store.files import DISK_DOWNLOAD_PATH, DISK_SHOW_PATH, SHOW_FILE_PATH
from b24crm.web import routes as web_routes

REST_VERBS = ["GET", "POST"]
_REST_METHODS = frozenset({"GET", "HEAD", "POST"})  # what the REST routes below admit
_REST_PATHS = f"{REST_PREFIX}/"


class B24App(Starlette):
    """Starlette, with REST calls taken straight to their endpoint: its middleware and router cost a
    sixth of a ``crm.activity.get`` (bench/README.md). The routes stay for everything else, and for
    REST calls with other verbs (405)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _REST_METHODS:
            path = scope["path"]
            if path == REST_PREFIX or path.startswith(_REST_PATHS):
                scope["app"] = self
                await handle_rest(scope, receive, send)
                return
        if scope["type"] == "http":
            # Every other body (the admin namespace, OAuth forms) is bounded as REST bodies are.
            limit = self.state.runtime.settings.max_body
            declared = declared_length(scope)
            if declared is not None and declared > limit:
                await send_too_large(send)
                return
            receive = counting_receive(receive, limit)
        await super().__call__(scope, receive, send)


async def _too_large(_request: Request, _exc: Exception) -> Response:
    return Response(TOO_LARGE_HTML, status_code=413, media_type="text/html", headers={"connection": "close"})


async def _client_gone(_request: Request, _exc: Exception) -> Response:
    return Response(status_code=400)  # never read: the client has gone


async def _rest_preflight(_request: Request) -> Response:
    """A browser's CORS preflight before a REST call from another origin (an application's page in a frame
    posting JSON with b24jssdk): the headers every REST answer carries, which allow any origin."""
    headers = {**COMMON_HEADERS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS"}
    return Response(status_code=200, headers=headers)


def create_app(runtime: Runtime) -> Starlette:
    app = B24App(
        lifespan=lifespan,
        exception_handlers={BodyTooLarge: _too_large, ClientGone: _client_gone},
        routes=[
            # A plain ASGI app as endpoint: Starlette passes the scope through untouched.
            Route("/rest/{path:path}", RestApp(), methods=REST_VERBS),
            Route("/rest", RestApp(), methods=REST_VERBS),
            Route("/rest/{path:path}", _rest_preflight, methods=["OPTIONS"]),
            Route("/rest", _rest_preflight, methods=["OPTIONS"]),
            Route(SHOW_FILE_PATH, show_file, methods=["GET"]),
            Route(DISK_SHOW_PATH.format(file_id="{file_id}"), show_timeline_file, methods=["GET"]),
            Route(DISK_DOWNLOAD_PATH.format(file_id="{file_id}"), download_timeline_file, methods=["GET"]),
            Route(ICON_PATH, show_icon, methods=["GET"]),
            *oauth_routes,
            *admin_routes,
            *(web_routes() if runtime.settings.web else []),
        ],
    )
    app.state.runtime = runtime
    return app
