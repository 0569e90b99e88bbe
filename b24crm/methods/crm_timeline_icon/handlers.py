"""crm.timeline.icon.list / get / add / delete and crm.timeline.logo.list / get / add / delete: the icons
and logos a timeline layout may name.

Docs: api-reference/crm/timeline/logmessage/icons/ and logo/. D7 controller arguments (a missing one is
error 100); ``code`` and ``fileContent`` are strings in the actions' signatures.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import timeline_icons
from b24crm.crm.timeline_icons import ICON, LOGO
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

ICONS = "api-reference/crm/timeline/logmessage/icons/crm-timeline-icon-"
LOGOS = "api-reference/crm/timeline/logmessage/logo/crm-timeline-logo-"
CODE = Arg("code", "string")
FILE = Arg("fileContent", "string")


@d7_method("crm.timeline.icon.list", args=(), doc=f"{ICONS}list.md")
def icon_list(ctx: CallContext, a: Bound) -> Page:
    """Every icon a layout may name: the system ones, then the portal's own (one page, with the count)."""
    found = timeline_icons.list_all(ctx, ICON)
    return Page({"icons": found}, total=len(found))


@d7_method("crm.timeline.icon.get", args=(CODE,), doc=f"{ICONS}get.md")
def icon_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One icon by its code, system or the portal's own."""
    return {"icon": timeline_icons.get(ctx, ICON, a.code)}


@d7_method("crm.timeline.icon.add", args=(CODE, FILE), doc=f"{ICONS}add.md")
def icon_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Add a portal icon (administrators): a new code and a base64 PNG of 24x24."""
    return {"icon": timeline_icons.add(ctx, ICON, a.code, a.fileContent)}


@d7_method("crm.timeline.icon.delete", args=(CODE,), doc=f"{ICONS}delete.md")
def icon_delete(ctx: CallContext, a: Bound) -> bool:
    """Delete a portal icon by its code (administrators)."""
    return timeline_icons.delete(ctx, ICON, a.code)


@d7_method("crm.timeline.logo.list", args=(), doc=f"{LOGOS}list.md")
def logo_list(ctx: CallContext, a: Bound) -> Page:
    """Every logo a layout may name: the system ones, then the portal's own (one page, with the count)."""
    found = timeline_icons.list_all(ctx, LOGO)
    return Page({"logos": found}, total=len(found))


@d7_method("crm.timeline.logo.get", args=(CODE,), doc=f"{LOGOS}get.md")
def logo_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One logo by its code, system or the portal's own."""
    return {"logo": timeline_icons.get(ctx, LOGO, a.code)}


@d7_method("crm.timeline.logo.add", args=(CODE, FILE), doc=f"{LOGOS}add.md")
def logo_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Add a portal logo (administrators): a new code and a base64 PNG of 60x60."""
    return {"logo": timeline_icons.add(ctx, LOGO, a.code, a.fileContent)}


@d7_method("crm.timeline.logo.delete", args=(CODE,), doc=f"{LOGOS}delete.md")
def logo_delete(ctx: CallContext, a: Bound) -> bool:
    """Delete a portal logo by its code (administrators)."""
    return timeline_icons.delete(ctx, LOGO, a.code)
