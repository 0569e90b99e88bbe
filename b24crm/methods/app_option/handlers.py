"""app.option.get / set and user.option.get / set (docs: api-reference/common/settings/*.md).

Without ``options``, a set call's parameters themselves are the options, as the vendor's code takes them.
Only an application's token carries the application context they need; ``app.option.set`` wants an
administrator. A frame's ``BX24.appOption`` and ``userOption`` read and write the same values.
"""

from __future__ import annotations

from typing import Any

from b24crm.apps import options
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import BASIC, Params, method

DOCS = "api-reference/common/settings/"


class GetParams(Params):
    option: Any = None


class SetParams(Params):
    options: Any = None


@method("app.option.get", scope=BASIC, params=GetParams, doc=f"{DOCS}app-option-get.md")
def app_option_get(ctx: CallContext, p: GetParams) -> Any:
    """The application's options, or the value of one (null when it is not set)."""
    return options.app_get(ctx, p.option)


@method("app.option.set", scope=BASIC, params=SetParams, doc=f"{DOCS}app-option-set.md")
def app_option_set(ctx: CallContext, p: SetParams) -> bool:
    """Write the application's options (an administrator only)."""
    return options.app_set(ctx, options.given_options(p.options, p.model_extra))


@method("user.option.get", scope=BASIC, params=GetParams, doc=f"{DOCS}user-option-get.md")
def user_option_get(ctx: CallContext, p: GetParams) -> Any:
    """The calling user's options with this application, or the value of one."""
    return options.user_get(ctx, p.option)


@method("user.option.set", scope=BASIC, params=SetParams, doc=f"{DOCS}user-option-set.md")
def user_option_set(ctx: CallContext, p: SetParams) -> bool:
    """Write the calling user's options with this application."""
    return options.user_set(ctx, options.given_options(p.options, p.model_extra))
