"""server.time, methods, method.get, scope, profile, app.info (docs: api-reference/common/system/*)."""

from __future__ import annotations

from typing import Any

from b24crm import errors
from b24crm.rpc.context import CallContext
from b24crm.rpc.params import flag
from b24crm.rpc.registry import BASIC, NoParams, Params, method
from b24crm.rpc.timeblock import iso


class FullParams(Params):
    full: Any = None


class MethodsParams(Params):
    full: Any = None
    scope: Any = None


class MethodGetParams(Params):
    name: Any = None


@method("server.time", scope=BASIC, blocking=False, doc="api-reference/common/system/server-time.md")
def server_time(ctx: CallContext, p: NoParams) -> str:
    """The server's current time in the portal's time zone."""
    return iso(ctx.clock.now(), ctx.portal.tz)


@method(
    "methods", scope=BASIC, params=MethodsParams, blocking=False, doc="api-reference/common/system/methods.md"
)
def methods(ctx: CallContext, p: MethodsParams) -> list[str]:
    """Names of the methods the credential may call, or all (``full``), or those of one ``scope``."""
    registry = ctx.runtime.registry
    if flag(p.full):
        return [spec.key for spec in registry]
    if isinstance(p.scope, str) and p.scope:
        wanted = p.scope.lower()
        return [spec.key for spec in registry if wanted in spec.scopes]
    return [spec.key for spec in registry if spec.allowed_for(ctx.credential.scopes)]


@method(
    "method.get",
    scope=BASIC,
    params=MethodGetParams,
    blocking=False,
    doc="api-reference/common/system/method-get.md",
)
def method_get(ctx: CallContext, p: MethodGetParams) -> dict[str, bool]:
    """Whether a method exists and whether the credential's scopes allow it."""
    spec = ctx.runtime.registry.get(p.name) if isinstance(p.name, str) and p.name else None
    if spec is None:
        return {"isExisting": False, "isAvailable": False}
    return {"isExisting": True, "isAvailable": spec.allowed_for(ctx.credential.scopes)}


@method("scope", scope=BASIC, params=FullParams, blocking=False, doc="api-reference/common/system/scope.md")
def scope(ctx: CallContext, p: FullParams) -> list[str]:
    """The scopes granted to the credential, or every scope the server knows (``full``)."""
    known = [s for s in ctx.runtime.registry.scopes() if s != BASIC]
    if flag(p.full):
        return known
    granted = ctx.credential.scopes
    return [s for s in known if s in granted] + sorted(granted - set(known))


@method("profile", scope=BASIC, doc="api-reference/common/users/profile.md", blocking=False)
def profile(ctx: CallContext, p: NoParams) -> dict[str, Any]:
    """Basic data of the calling user; empty for an inactive one."""
    user = ctx.user
    if not user.active:
        return {}
    return {
        "ID": str(user.id),
        "ADMIN": user.is_admin,
        "NAME": user.name,
        "LAST_NAME": user.last_name,
        "PERSONAL_GENDER": user.gender,
        "TIME_ZONE": user.time_zone,
    }


@method("app.info", scope=BASIC, blocking=False, doc="api-reference/common/system/app-info.md")
def app_info(ctx: CallContext, p: NoParams) -> dict[str, Any]:
    """The calling application; only in application context."""
    app = ctx.credential.app
    if app is None:
        raise errors.APP_CONTEXT_REQUIRED()
    return app.info()  # type: ignore[no-any-return]
