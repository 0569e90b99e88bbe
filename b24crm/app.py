"""``create_app(runtime)``: the route table, nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from b24crm.admin.routes import routes as admin_routes
from b24crm.background import lifespan
from b24crm.crm.activity.files import SHOW_FILE_PATH
from b24crm.http.files import show_file
from b24crm.http.oauth import routes as oauth_routes
from b24crm.http.rest import RestApp
from b24crm.runtime import Runtime

REST_VERBS = ["GET", "POST"]


def create_app(runtime: Runtime) -> Starlette:
    app = Starlette(
        lifespan=lifespan,
        routes=[
            # A plain ASGI app as endpoint: Starlette passes the scope through untouched.
            Route("/rest/{path:path}", RestApp(), methods=REST_VERBS),
            Route("/rest", RestApp(), methods=REST_VERBS),
            Route(SHOW_FILE_PATH, show_file, methods=["GET"]),
            *oauth_routes,
            *admin_routes,
        ],
    )
    app.state.runtime = runtime
    return app
