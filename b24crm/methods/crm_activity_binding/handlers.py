"""crm.activity.binding.add / delete / move / list.

Docs: api-reference/crm/timeline/activities/binding/crm-activity-binding-*.md. D7 controller arguments,
bound in signature order (a missing one is error 100).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.activity import bindings
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, bind
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/crm/timeline/activities/binding/"
ACTIVITY = Arg("activityId", "int")
ENTITY = (ACTIVITY, Arg("entityTypeId", "int"), Arg("entityId", "int"))
MOVE = (
    ACTIVITY,
    Arg("sourceEntityTypeId", "int"),
    Arg("sourceEntityId", "int"),
    Arg("targetEntityTypeId", "int"),
    Arg("targetEntityId", "int"),
)


def _args(p: Params, args: tuple[Arg, ...]) -> dict[str, Any]:
    return bind(args, p.model_extra or {})


@method("crm.activity.binding.add", scope="crm", params=Params, doc=f"{DOCS}crm-activity-binding-add.md")
def binding_add(ctx: CallContext, p: Params) -> bool:
    """Bind an activity to one more CRM item."""
    a = _args(p, ENTITY)
    return bindings.add(ctx, a["activityId"], (a["entityTypeId"], a["entityId"]))


@method(
    "crm.activity.binding.delete", scope="crm", params=Params, doc=f"{DOCS}crm-activity-binding-delete.md"
)
def binding_delete(ctx: CallContext, p: Params) -> bool:
    """Unbind an activity from a CRM item (never its last one)."""
    a = _args(p, ENTITY)
    return bindings.delete(ctx, a["activityId"], (a["entityTypeId"], a["entityId"]))


@method("crm.activity.binding.move", scope="crm", params=Params, doc=f"{DOCS}crm-activity-binding-move.md")
def binding_move(ctx: CallContext, p: Params) -> bool:
    """Move an activity from one item to another of the same type."""
    a = _args(p, MOVE)
    return bindings.move(
        ctx,
        a["activityId"],
        (a["sourceEntityTypeId"], a["sourceEntityId"]),
        (a["targetEntityTypeId"], a["targetEntityId"]),
    )


@method("crm.activity.binding.list", scope="crm", params=Params, doc=f"{DOCS}crm-activity-binding-list.md")
def binding_list(ctx: CallContext, p: Params) -> list[dict[str, Any]]:
    """The CRM items an activity is bound to, those the caller may read."""
    return bindings.list_(ctx, _args(p, (ACTIVITY,))["activityId"])
