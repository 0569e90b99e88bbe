"""crm.timeline.logmessage.add / get / list / delete.

Docs: api-reference/crm/timeline/logmessage/crm-timeline-logmessage-*.md. A D7 controller: arguments in
the action's signature order, error 100 for a missing one. list pages with ``start`` as the docs say (the
action's own argument is ``offset``, also taken).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.timeline import logmessages
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/logmessage/crm-timeline-logmessage-"
LIST = (
    Arg("entityTypeId", "int"),
    Arg("entityId", "int"),
    Arg("order", "array", default=None),
    Arg("offset", "mixed", default=None),
    Arg("start", "mixed", default=None),
)


@d7_method("crm.timeline.logmessage.add", args=(Arg("fields", "array"),), doc=f"{DOCS}add.md")
def add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Write a log entry (title, text, icon) on a CRM item's timeline."""
    return logmessages.add(ctx, a.fields)


@d7_method("crm.timeline.logmessage.get", args=(Arg("id", "int"),), doc=f"{DOCS}get.md")
def get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One log entry written through crm.timeline.logmessage.add."""
    return logmessages.get(ctx, a.id)


@d7_method("crm.timeline.logmessage.list", args=LIST, doc=f"{DOCS}list.md")
def list_(ctx: CallContext, a: Bound) -> Page:
    """An item's log entries, 10 a page, newest first."""
    offset = a.start if a.start is not None else a.offset
    return logmessages.list_(ctx, (a.entityTypeId, a.entityId), a.order, offset)


@d7_method("crm.timeline.logmessage.delete", args=(Arg("id", "int"),), doc=f"{DOCS}delete.md")
def delete(ctx: CallContext, a: Bound) -> bool:
    """Delete a log entry: only the application that wrote it may."""
    return logmessages.delete(ctx, a.id)
