"""user.current, user.get (docs: api-reference/user/user-current.md, user-get.md)."""

from __future__ import annotations

from typing import Any

from b24crm.methods.user import service
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import NoParams, Params, method

USER_SCOPES = ("user", "user_brief", "user_basic")


class UserGetParams(Params):
    filter: Any = None
    sort: Any = None
    order: Any = None
    admin_mode: Any = None
    start: Any = None


@method("user.current", scope=USER_SCOPES, doc="api-reference/user/user-current.md")
def user_current(ctx: CallContext, p: NoParams) -> dict[str, Any]:
    """The calling user."""
    return service.current(ctx)


@method("user.get", scope=USER_SCOPES, params=UserGetParams, doc="api-reference/user/user-get.md")
def user_get(ctx: CallContext, p: UserGetParams) -> Page:
    """Users of the portal, filtered and sorted, 50 a page."""
    extra = p.model_extra or {}
    return service.find(ctx, p.filter, extra, sort=p.sort, order=p.order, start=p.start)
