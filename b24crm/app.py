"""``create_app(runtime)``: the route table, nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from b24crm.admin.routes import routes as admin_routes
from b24crm.http.rest import rest_endpoint
from b24crm.runtime import Runtime

REST_VERBS = ["GET", "POST"]


def create_app(runtime: Runtime) -> Starlette:
    app = Starlette(
        routes=[
            Route("/rest/{path:path}", rest_endpoint, methods=REST_VERBS),
            Route("/rest", rest_endpoint, methods=REST_VERBS),
            *admin_routes,
        ]
    )
    app.state.runtime = runtime
    return app
