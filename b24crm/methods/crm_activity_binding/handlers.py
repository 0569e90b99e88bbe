"""crm.activity.binding.add / delete / move / list.

Docs: api-reference/crm/timeline/activities/binding/crm-activity-binding-*.md. D7 controller arguments,
bound in signature order (a missing one is error 100).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.activity import bindings
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/activities/binding/crm-activity-binding-"
ACTIVITY = Arg("activityId", "int")
ENTITY = (ACTIVITY, Arg("entityTypeId", "int"), Arg("entityId", "int"))
MOVE = (
    ACTIVITY,
    Arg("sourceEntityTypeId", "int"),
    Arg("sourceEntityId", "int"),
    Arg("targetEntityTypeId", "int"),
    Arg("targetEntityId", "int"),
)


@d7_method("crm.activity.binding.add", args=ENTITY, doc=f"{DOCS}add.md")
def binding_add(ctx: CallContext, a: Bound) -> bool:
    """Bind an activity to one more CRM item."""
    return bindings.add(ctx, a.activityId, (a.entityTypeId, a.entityId))


@d7_method("crm.activity.binding.delete", args=ENTITY, doc=f"{DOCS}delete.md")
def binding_delete(ctx: CallContext, a: Bound) -> bool:
    """Unbind an activity from a CRM item (never its last one)."""
    return bindings.delete(ctx, a.activityId, (a.entityTypeId, a.entityId))


@d7_method("crm.activity.binding.move", args=MOVE, doc=f"{DOCS}move.md")
def binding_move(ctx: CallContext, a: Bound) -> bool:
    """Move an activity from one item to another of the same type."""
    return bindings.move(
        ctx,
        a.activityId,
        (a.sourceEntityTypeId, a.sourceEntityId),
        (a.targetEntityTypeId, a.targetEntityId),
    )


@d7_method("crm.activity.binding.list", args=(ACTIVITY,), doc=f"{DOCS}list.md")
def binding_list(ctx: CallContext, a: Bound) -> list[dict[str, Any]]:
    """The CRM items an activity is bound to, those the caller may read."""
    return bindings.list_(ctx, a.activityId)
