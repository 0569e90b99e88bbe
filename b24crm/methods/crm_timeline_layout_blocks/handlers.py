"""crm.timeline.layout.blocks.set / get / delete: an application's additional content blocks on a
timeline record.

Docs: api-reference/crm/timeline/layout-blocks/. D7 controller arguments in the action's signature order
(a missing one is error 100); ``layout`` is an array defaulting to an empty one, which the validator then
refuses for its missing ``blocks``.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.timeline import layout_blocks
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/layout-blocks/crm-timeline-layout-blocks-"
TARGET = (Arg("entityTypeId", "int"), Arg("entityId", "int"), Arg("timelineId", "int"))


@d7_method(
    "crm.timeline.layout.blocks.set", args=(*TARGET, Arg("layout", "array", default=[])), doc=f"{DOCS}set.md"
)
def blocks_set(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Set (replace) the calling application's blocks on a timeline record."""
    return layout_blocks.set_(ctx, (a.entityTypeId, a.entityId), a.timelineId, a.layout)


@d7_method("crm.timeline.layout.blocks.get", args=TARGET, doc=f"{DOCS}get.md")
def blocks_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """The calling application's blocks on a timeline record; ``layout`` null when it has set none."""
    return layout_blocks.get(ctx, (a.entityTypeId, a.entityId), a.timelineId)


@d7_method("crm.timeline.layout.blocks.delete", args=TARGET, doc=f"{DOCS}delete.md")
def blocks_delete(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Remove the calling application's blocks from a timeline record."""
    return layout_blocks.delete(ctx, (a.entityTypeId, a.entityId), a.timelineId)
