"""crm.activity.badge.add / get / list / delete: the kanban badges of configurable activities.

Docs: api-reference/crm/timeline/activities/configurable/badges/. D7 controller arguments (a missing one is
error 100); ``title`` and ``value`` are untyped in the action's signature, a text or a language map.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import badges
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/activities/configurable/badges/crm-activity-badge-"
CODE = Arg("code", "string")


@d7_method(
    "crm.activity.badge.add",
    args=(CODE, Arg("title", "mixed"), Arg("value", "mixed"), Arg("type", "string")),
    doc=f"{DOCS}add.md",
)
def badge_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Declare a badge (CRM administrators): code, title, value, type."""
    return badges.add(ctx, a.code, a.title, a.value, a.type)


@d7_method("crm.activity.badge.get", args=(CODE,), doc=f"{DOCS}get.md")
def badge_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One badge by its code."""
    return badges.get(ctx, a.code)


@d7_method("crm.activity.badge.list", args=(), doc=f"{DOCS}list.md")
def badge_list(ctx: CallContext, a: Bound) -> Page:
    """Every badge of the portal, in one page (the vendor's Page with the count of all)."""
    found = badges.list_badges(ctx)
    return Page({"badges": found}, total=len(found))


@d7_method("crm.activity.badge.delete", args=(CODE,), doc=f"{DOCS}delete.md")
def badge_delete(ctx: CallContext, a: Bound) -> bool:
    """Delete a badge by its code (CRM administrators)."""
    return badges.delete(ctx, a.code)
