"""The browser pages (``/ui/``): a portal's items and their timelines as Bitrix24's users see them.

Server-rendered (Jinja2, autoescaped), a little JavaScript, no build step. The pages act as a chosen user
of a chosen portal through the domain code the REST handlers call, so rights, errors and events are the
API's. ``B24CRM_WEB=0`` leaves them out of the route table.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from b24crm.web import actions, embedding, frame_routes, inspect, pages
from b24crm.web.context import HERE, PREFIX

_ITEM = PREFIX + "/portals/{portal_id:int}/users/{user_id:int}/items/{entity_type_id:int}/{item_id:int}"


def routes() -> list[BaseRoute]:
    user = PREFIX + "/portals/{portal_id:int}/users/{user_id:int}"
    return [
        Route("/", pages.root, methods=["GET"]),
        Route(PREFIX, pages.root, methods=["GET"]),
        Route(PREFIX + "/", pages.portals, methods=["GET"]),
        Route(PREFIX + "/signin", pages.sign_in_form, methods=["GET"]),
        Route(PREFIX + "/signin", pages.sign_in, methods=["POST"]),
        Route(PREFIX + "/signout", actions.sign_out, methods=["POST"]),
        Route(user + "/", pages.home, methods=["GET"]),
        Route(PREFIX + "/portals/{portal_id:int}/inspect/{kind}", inspect.inspect, methods=["GET"]),
        Route(user + "/items/{entity_type_id:int}", pages.item_list, methods=["GET"]),
        Route(_ITEM, pages.item_page, methods=["GET"]),
        Route(_ITEM + "/comments", actions.comment, methods=["POST"]),
        Route(_ITEM + "/activities/{activity_id:int}/complete", actions.complete, methods=["POST"]),
        Route(_ITEM + "/activities/{activity_id:int}/deadline", actions.deadline, methods=["POST"]),
        Route(_ITEM + "/activities/{activity_id:int}/actions", actions.click, methods=["POST"]),
        Route(_ITEM + "/activities/{activity_id:int}/app", embedding.open_activity_app, methods=["POST"]),
        Route(_ITEM + "/placements/{placement_id:int}", embedding.open_placement, methods=["POST"]),
        Route(
            _ITEM + "/activities/{activity_id:int}/placements/{placement_id:int}",
            embedding.open_menu_placement,
            methods=["POST"],
        ),
        Route(user + "/apps", frame_routes.app_list, methods=["GET"]),
        Route(user + "/apps/{app_id:int}", frame_routes.open_app, methods=["POST"]),
        Route(user + "/apps/{app_id:int}/frame", frame_routes.command, methods=["POST"]),
        Mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name="web-static"),
    ]
