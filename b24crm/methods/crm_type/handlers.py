"""crm.type.add / update / get / getByEntityTypeId / list / delete.

Docs: api-reference/crm/universal/user-defined-object-types/crm-type-*.md. Every argument is taken as
given ("mixed"): the domain reads the values; only an absent required one is refused here (error 100).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import types_service
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/universal/user-defined-object-types/crm-type-"
ID = Arg("id", "mixed")
FIELDS = Arg("fields", "mixed")
# The vendor's listAction(array $order = null, array $filter = null, PageNavigation $pageNavigation).
LIST = (Arg("order", "array", None), Arg("filter", "array", None), Arg("start", "mixed", None))


@d7_method("crm.type.add", args=(FIELDS,), doc=f"{DOCS}add.md")
def type_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Create a smart process."""
    return {"type": types_service.add(ctx, a.fields)}


@d7_method("crm.type.update", args=(ID, FIELDS), doc=f"{DOCS}update.md")
def type_update(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Change a smart process's title or switches."""
    return {"type": types_service.update(ctx, a.id, a.fields)}


@d7_method("crm.type.get", args=(ID,), doc=f"{DOCS}get.md")
def type_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """A smart process by its own ID."""
    return {"type": types_service.get(ctx, a.id)}


@d7_method(
    "crm.type.getByEntityTypeId", args=(Arg("entityTypeId", "mixed"),), doc=f"{DOCS}get-by-entity-type-id.md"
)
def type_get_by_entity_type(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """A smart process by the entityTypeId its items use."""
    return {"type": types_service.get_by_entity_type(ctx, a.entityTypeId)}


@d7_method("crm.type.list", args=LIST, doc=f"{DOCS}list.md")
def type_list(ctx: CallContext, a: Bound) -> Page:
    """The portal's smart processes, filtered and ordered by their fields."""
    return types_service.list_types(ctx, a.order, a.filter, a.start)  # type: ignore[no-any-return]


@d7_method("crm.type.fields", args=(), doc=f"{DOCS}fields.md")
def type_fields(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """The fields of a smart-process type."""
    return types_service.fields()


@d7_method("crm.type.delete", args=(ID,), doc=f"{DOCS}delete.md")
def type_delete(ctx: CallContext, a: Bound) -> list[Any]:
    """Delete a smart process that has no items."""
    types_service.delete(ctx, a.id)
    return []
