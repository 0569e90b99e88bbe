"""crm.type.add / update / get / getByEntityTypeId / list / delete.

Docs: api-reference/crm/universal/user-defined-object-types/crm-type-*.md.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import types_service
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import d7_method
from b24crm.rpc.registry import Params

DOCS = "api-reference/crm/universal/user-defined-object-types/"


class AddParams(Params):
    fields: Any


class IdParams(Params):
    id: Any


class UpdateParams(IdParams):
    fields: Any


class EntityTypeParams(Params):
    entityTypeId: Any


class ListParams(Params):
    order: Any = None
    filter: Any = None
    start: Any = None


def _d7(name: str, params: type[Params], doc: str) -> Any:
    return d7_method(name, params, DOCS + doc)


@_d7("crm.type.add", AddParams, "crm-type-add.md")
def type_add(ctx: CallContext, p: AddParams) -> dict[str, Any]:
    """Create a smart process."""
    return {"type": types_service.add(ctx, p.fields)}


@_d7("crm.type.update", UpdateParams, "crm-type-update.md")
def type_update(ctx: CallContext, p: UpdateParams) -> dict[str, Any]:
    """Change a smart process's title or switches."""
    return {"type": types_service.update(ctx, p.id, p.fields)}


@_d7("crm.type.get", IdParams, "crm-type-get.md")
def type_get(ctx: CallContext, p: IdParams) -> dict[str, Any]:
    """A smart process by its own ID."""
    return {"type": types_service.get(ctx, p.id)}


@_d7("crm.type.getByEntityTypeId", EntityTypeParams, "crm-type-get-by-entity-type-id.md")
def type_get_by_entity_type(ctx: CallContext, p: EntityTypeParams) -> dict[str, Any]:
    """A smart process by the entityTypeId its items use."""
    return {"type": types_service.get_by_entity_type(ctx, p.entityTypeId)}


@_d7("crm.type.list", ListParams, "crm-type-list.md")
def type_list(ctx: CallContext, p: ListParams) -> Page:
    """The portal's smart processes."""
    return types_service.list_types(ctx, p.start)  # type: ignore[no-any-return]


@_d7("crm.type.delete", IdParams, "crm-type-delete.md")
def type_delete(ctx: CallContext, p: IdParams) -> list[Any]:
    """Delete a smart process that has no items."""
    types_service.delete(ctx, p.id)
    return []
