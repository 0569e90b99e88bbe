"""server.time, methods, method.get, scope, profile, app.info (docs: api-reference/common/system/*)."""

from __future__ import annotations

from typing import Any

from b24crm.apps.models import LICENSE
from b24crm.php.dates import iso
from b24crm.php.values import php_bool
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import BASIC, NoParams, Params, method


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
    registry = ctx.engine.registry
    # As the vendor's methodsList: a given scope wins (an empty one means the global methods only), then
    # "full", then the credential's own scopes.
    if p.scope is not None:
        wanted = str(p.scope).lower() or BASIC
        return [spec.key for spec in registry if wanted in spec.scopes]
    if php_bool(p.full):
        return [spec.key for spec in registry]
    # The global methods first, then those of the credential's scopes, as the vendor lists them.
    own = [spec for spec in registry if spec.allowed_for(ctx.credential.scopes)]
    return [spec.key for spec in sorted(own, key=lambda spec: BASIC not in spec.scopes)]


@method(
    "method.get",
    scope=BASIC,
    params=MethodGetParams,
    blocking=False,
    doc="api-reference/common/system/method-get.md",
)
def method_get(ctx: CallContext, p: MethodGetParams) -> dict[str, bool]:
    """Whether a method exists and whether the credential's scopes allow it."""
    name = p.name if isinstance(p.name, str) else ""
    spec = ctx.engine.registry.get(name) if name else None
    # The vendor looks the name up as given among lower-cased names (the docs ask for lower case); the
    # newer controllers also answer to their camelCase names.
    if spec is None or name not in (spec.key, spec.name):
        return {"isExisting": False, "isAvailable": False}
    return {"isExisting": True, "isAvailable": spec.allowed_for(ctx.credential.scopes)}


# The cloud's answer to scope?full=true, in its order: the list b24pysdk's scope test checks. A client
# reads it to tell which scopes a portal has; b24crm serves the CRM part of them.
VENDOR_SCOPES = (
    "booking", "biconnector", "telephony", "call", "timeman", "task", "tasks_extended", "log", "sonet_group",
    "sign.b2e", "sale", "cashbox", "delivery", "pay_system", "rpa", "placement", "user", "user_brief",
    "user_basic", "user.userfield", "entity", "pull", "pull_channel", "mobile", "messageservice",
    "mailservice", "lists", "landing", "landing_cloud", "department", "contact_center", "crm", "imopenlines",
    "imbot", "im", "humanresources.hcmlink", "forum", "documentgenerator", "disk", "catalog", "calendar",
    "bizproc", "ai_admin", "userconsent", "rating", "smile", "userfieldconfig", "baas", "calendarmobile",
    "catalogmobile", "iblock", "im.import", "imconnector", "intranet", "main", "notifications", "appform",
    "configuration.import", "rest", "salescenter", "socialnetwork", "tasks", "tasksmobile", "vote",
)  # fmt: skip


@method("scope", scope=BASIC, params=FullParams, blocking=False, doc="api-reference/common/system/scope.md")
def scope(ctx: CallContext, p: FullParams) -> list[str]:
    """The scopes granted to the credential, or every scope the cloud has (``full``)."""
    own = [s for s in ctx.engine.registry.scopes() if s != BASIC and s not in VENDOR_SCOPES]
    known = [*VENDOR_SCOPES, *own]
    if php_bool(p.full):
        return known
    # Granted scopes the server does not have are left out, as the vendor's getAuthScope does; sorted, as
    # the docs' example is (the credential keeps no order of its own).
    return sorted(s for s in known if s in ctx.credential.scopes)


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
    """The calling application; for a webhook, its scopes and the portal's license."""
    app = ctx.credential.app
    if app is None:
        # The vendor's appInfo answers a webhook this way (b24pysdk models it as AppInfoWebhook), although
        # the docs describe an ACCESS_DENIED: the clients are written against what the cloud answers.
        return {"SCOPE": sorted(ctx.credential.scopes), "LICENSE": LICENSE}
    return app.info()  # type: ignore[no-any-return]
