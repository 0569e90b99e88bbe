"""crm.item.add / update / get / list / delete / fields (docs: api-reference/crm/universal/crm-item-*.md)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from b24crm.crm import items
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import d7_method
from b24crm.rpc.registry import Params

DOCS = "api-reference/crm/universal/"


class TypeParams(Params):
    entityTypeId: Any
    useOriginalUfNames: Any = None


class ItemParams(Params):
    # The vendor's action signature names id first, so a call missing both reports {id}.
    id: Any
    entityTypeId: Any
    useOriginalUfNames: Any = None


class AddParams(TypeParams):
    fields: Any


class UpdateParams(ItemParams):
    fields: Any


class ListParams(TypeParams):
    select: Any = None
    filter: Any = None
    order: Any = None
    start: Any = Field(default=None)


def _d7(name: str, params: type[Params], doc: str) -> Any:
    return d7_method(name, params, DOCS + doc)


@_d7("crm.item.add", AddParams, "crm-item-add.md")
def item_add(ctx: CallContext, p: AddParams) -> dict[str, Any]:
    """Create an item of any CRM type."""
    return {"item": items.add(ctx, p.entityTypeId, p.fields)}


@_d7("crm.item.update", UpdateParams, "crm-item-update.md")
def item_update(ctx: CallContext, p: UpdateParams) -> dict[str, Any]:
    """Change an item's fields."""
    return {"item": items.update(ctx, p.entityTypeId, p.id, p.fields)}


@_d7("crm.item.get", ItemParams, "crm-item-get.md")
def item_get(ctx: CallContext, p: ItemParams) -> dict[str, Any]:
    """One item with all its fields."""
    return {"item": items.get(ctx, p.entityTypeId, p.id)}


@_d7("crm.item.list", ListParams, "crm-item-list.md")
def item_list(ctx: CallContext, p: ListParams) -> Page:
    """Items of a type, filtered, sorted, 50 a page."""
    return items.list_items(
        ctx, p.entityTypeId, select=p.select, filter_=p.filter, order=p.order, start=p.start
    )


@_d7("crm.item.delete", ItemParams, "crm-item-delete.md")
def item_delete(ctx: CallContext, p: ItemParams) -> list[Any]:
    """Delete an item; its activities go with it or lose the binding."""
    items.delete(ctx, p.entityTypeId, p.id)
    return []


@_d7("crm.item.fields", TypeParams, "crm-item-fields.md")
def item_fields(ctx: CallContext, p: TypeParams) -> dict[str, Any]:
    """The fields of a type, described."""
    return {"fields": items.describe_fields(ctx, p.entityTypeId)}
