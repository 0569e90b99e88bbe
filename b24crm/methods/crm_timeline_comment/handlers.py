"""crm.timeline.comment.add / update / delete / get / list / fields.

Docs: api-reference/crm/timeline/comments/crm-timeline-comment-*.md. Two conventions, as the vendor runs
them: add, update and delete are a D7 controller (``fields`` bound by name, coded errors, error 100 for a
missing argument); get, list and fields are the older proxy (empty-code errors) (``crm/timeline/``).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.timeline import comment_read, comments
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/crm/timeline/comments/crm-timeline-comment-"
OWNER = (Arg("ownerTypeId", "int", default=None), Arg("ownerId", "int", default=None))


class IdParams(Params):
    id: Any = None


class ListParams(Params):
    order: Any = None
    filter: Any = None
    select: Any = None
    start: Any = None


@d7_method("crm.timeline.comment.add", args=(Arg("fields", "array"),), doc=f"{DOCS}add.md")
def add(ctx: CallContext, a: Bound) -> int:
    """Add a comment to a CRM item's timeline, with files."""
    return comments.add(ctx, a.fields)


@d7_method(
    "crm.timeline.comment.update",
    args=(Arg("id", "mixed"), Arg("fields", "array"), *OWNER),
    doc=f"{DOCS}update.md",
)
def update(ctx: CallContext, a: Bound) -> int:
    """Change a comment's text and files (for one item only when it is bound to several)."""
    return comments.update(ctx, a.id, a.fields, a.ownerTypeId, a.ownerId)


@d7_method("crm.timeline.comment.delete", args=(Arg("id", "mixed"), *OWNER), doc=f"{DOCS}delete.md")
def delete(ctx: CallContext, a: Bound) -> None:
    """Delete a comment, or unbind it from one of the items it is bound to."""
    comments.delete(ctx, a.id, a.ownerTypeId, a.ownerId)


@method("crm.timeline.comment.get", scope="crm", params=IdParams, doc=f"{DOCS}get.md")
def get(ctx: CallContext, p: IdParams) -> dict[str, Any]:
    """One comment, with the first item the caller may read as its ENTITY_ID / ENTITY_TYPE."""
    return comment_read.get(ctx, p.id)


@method("crm.timeline.comment.list", scope="crm", params=ListParams, doc=f"{DOCS}list.md")
def list_(ctx: CallContext, p: ListParams) -> Page:
    """The comments of one CRM item, 50 a page."""
    return comment_read.list_(ctx, p.filter, p.order, p.select, p.start)


@method("crm.timeline.comment.fields", scope="crm", doc=f"{DOCS}fields.md")
def fields(ctx: CallContext, p: Params) -> dict[str, Any]:
    """The fields of a comment, described."""
    return comment_read.fields(ctx)
