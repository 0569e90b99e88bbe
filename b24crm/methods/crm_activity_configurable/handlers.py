"""crm.activity.configurable.add / update / get: an application's own timeline entries.

Docs: api-reference/crm/timeline/activities/configurable/. D7 controller arguments in the action's signature
order (a missing or mistyped one is error 100); on update ``fields`` and ``layout`` may be left out.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.activity import configurable
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/activities/configurable/crm-activity-configurable-"
ID = Arg("id", "int")


@d7_method(
    "crm.activity.configurable.add",
    args=(
        Arg("ownerTypeId", "int"),
        Arg("ownerId", "int"),
        Arg("fields", "array"),
        Arg("layout", "array"),
    ),
    doc=f"{DOCS}add.md",
)
def configurable_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Add a configurable activity to an item's timeline (in an application): fields and layout."""
    return configurable.add(ctx, a.ownerTypeId, a.ownerId, a.fields, a.layout)


@d7_method(
    "crm.activity.configurable.update",
    args=(ID, Arg("fields", "array", default=None), Arg("layout", "array", default=None)),
    doc=f"{DOCS}update.md",
)
def configurable_update(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Change a configurable activity (its creating application only); a layout replaces the old one."""
    return configurable.update(ctx, a.id, a.fields, a.layout)


@d7_method("crm.activity.configurable.get", args=(ID,), doc=f"{DOCS}get.md")
def configurable_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One configurable activity: its owner, fields and layout."""
    return configurable.get(ctx, a.id)
