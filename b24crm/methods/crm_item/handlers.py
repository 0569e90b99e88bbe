"""crm.item.add / update / get / list / delete / fields (docs: api-reference/crm/universal/crm-item-*.md).

Every argument is taken as given ("mixed"): the domain reads the values; only an absent required one is
refused here (error 100).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import items
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/universal/crm-item-"
TYPE = (Arg("entityTypeId", "mixed"), Arg("useOriginalUfNames", "mixed", None))
# The vendor's action signature names id first, so a call missing both reports {id}.
ITEM = (Arg("id", "mixed"), *TYPE)
FIELDS = Arg("fields", "mixed")
LIST = (
    *TYPE,
    Arg("select", "mixed", None),
    Arg("filter", "mixed", None),
    Arg("order", "mixed", None),
    Arg("start", "mixed", None),
)


@d7_method("crm.item.add", args=(*TYPE, FIELDS), doc=f"{DOCS}add.md")
def item_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Create an item of any CRM type."""
    return {"item": items.add(ctx, a.entityTypeId, a.fields)}


@d7_method("crm.item.update", args=(*ITEM, FIELDS), doc=f"{DOCS}update.md")
def item_update(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Change an item's fields."""
    return {"item": items.update(ctx, a.entityTypeId, a.id, a.fields)}


@d7_method("crm.item.get", args=ITEM, doc=f"{DOCS}get.md")
def item_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One item with all its fields."""
    return {"item": items.get(ctx, a.entityTypeId, a.id)}


@d7_method("crm.item.list", args=LIST, doc=f"{DOCS}list.md")
def item_list(ctx: CallContext, a: Bound) -> Page:
    """Items of a type, filtered, sorted, 50 a page."""
    return items.list_items(
        ctx, a.entityTypeId, select=a.select, filter_=a.filter, order=a.order, start=a.start
    )


@d7_method("crm.item.delete", args=ITEM, doc=f"{DOCS}delete.md")
def item_delete(ctx: CallContext, a: Bound) -> list[Any]:
    """Delete an item; its activities go with it or lose the binding."""
    items.delete(ctx, a.entityTypeId, a.id)
    return []


@d7_method("crm.item.fields", args=TYPE, doc=f"{DOCS}fields.md")
def item_fields(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """The fields of a type, described."""
    return {"fields": items.describe_fields(ctx, a.entityTypeId)}
