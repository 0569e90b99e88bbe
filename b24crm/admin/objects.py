"""The admin namespace's endpoints that list and delete what it and the command line create, beside those
of ``routes.py`` (portals, webhooks, apps), which wraps and routes them: roles, users, outgoing webhooks,
and an application removed for good. Handlers take (runtime, path, body)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Route

from b24crm import errors
from b24crm.admin.workbench import forget_credentials
from b24crm.auth import removal
from b24crm.runtime import Runtime
from b24crm.store import crm_roles
from b24crm.store.filters import to_int

NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "{what} not found", 404)


def _id(path: dict[str, Any], name: str, what: str) -> int:
    try:
        return to_int(path[name])
    except ValueError:  # past the column's range: no such object either
        raise NOT_FOUND.format(what=what) from None


def roles(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    with runtime.db.read() as conn:
        return 200, crm_roles.list_roles(conn, _id(path, "portal_id", "Portal"))


def delete_user(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The user with its webhooks (incoming and outgoing), tokens and role assignments."""
    portal_id, user_id = _id(path, "portal_id", "Portal"), _id(path, "user_id", "User")
    if not removal.delete_user(runtime.db, portal_id, user_id):
        raise NOT_FOUND.format(what="User")
    forget_credentials(runtime)
    return 200, True


def delete_role(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    portal_id, role_id = _id(path, "portal_id", "Portal"), _id(path, "role_id", "Role")
    if not removal.delete_role(runtime.db, portal_id, role_id):
        raise NOT_FOUND.format(what="Role")
    return 200, True


def delete_handler(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """An outgoing webhook; an application's handlers are unbound with event.unbind or go with it."""
    portal_id, handler_id = _id(path, "portal_id", "Portal"), _id(path, "handler_id", "Outgoing webhook")
    if not removal.delete_outgoing_hook(runtime.db, portal_id, handler_id):
        raise NOT_FOUND.format(what="Outgoing webhook")
    return 200, True


def uninstall_or_delete(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """Uninstall the application (``?clean=0`` to keep its data, as the vendor's flag says); with
    ``?delete=1`` remove it for good, with its tokens, placements, handlers and everything it registered."""
    portal_id, app_id = _id(path, "portal_id", "Portal"), _id(path, "app_id", "Application")
    if path.get("delete") in ("1", "true", "Y"):
        if not removal.delete_app(runtime.db, runtime.apps, portal_id, app_id):
            raise NOT_FOUND.format(what="Application")
        forget_credentials(runtime)
        return 200, True
    runtime.apps.uninstall(portal_id, app_id, clean=path.get("clean", "1") != "0")
    return 200, True


def routes(endpoint: Callable[[Any], Any]) -> list[Route]:
    """This module's routes, each handler wrapped by ``endpoint`` (routes.py's ``admin_endpoint``)."""
    portal = "/_b24crm/portals/{portal_id:int}"
    return [
        Route(f"{portal}/roles", endpoint(roles), methods=["GET"]),
        Route(f"{portal}/roles/{{role_id:int}}", endpoint(delete_role), methods=["DELETE"]),
        Route(f"{portal}/users/{{user_id:int}}", endpoint(delete_user), methods=["DELETE"]),
        Route(f"{portal}/handlers/{{handler_id:int}}", endpoint(delete_handler), methods=["DELETE"]),
        Route(f"{portal}/apps/{{app_id:int}}", endpoint(uninstall_or_delete), methods=["DELETE"]),
    ]
