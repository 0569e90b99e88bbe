"""crm.status.fields / add / get / list / update / delete and crm.status.entity.types / items.

Docs: api-reference/crm/status/crm-status-*.md. The older proxy's convention: lower-cased parameter names,
errors with an empty code and HTTP 400.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import statuses
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/crm/status/crm-status-"


class NoArgs(Params):
    pass


class IdParams(Params):
    id: Any = None


class AddParams(Params):
    fields: Any = None


class UpdateParams(IdParams):
    fields: Any = None


class DeleteParams(IdParams):
    params: Any = None


class ListParams(Params):
    order: Any = None
    filter: Any = None
    start: Any = None


class ItemsParams(Params):
    entityid: Any = None


@method("crm.status.fields", scope="crm", params=NoArgs, doc=f"{DOCS}fields.md")
def status_fields(ctx: CallContext, p: NoArgs) -> dict[str, Any]:
    """The fields of a reference-list value, described."""
    return statuses.fields()


@method("crm.status.add", scope="crm", params=AddParams, doc=f"{DOCS}add.md")
def status_add(ctx: CallContext, p: AddParams) -> int:
    """Add a value to a list (a stage to a pipeline); answers its ID."""
    return statuses.add(ctx, p.fields)


@method("crm.status.get", scope="crm", params=IdParams, doc=f"{DOCS}get.md")
def status_get(ctx: CallContext, p: IdParams) -> dict[str, Any]:
    """One value of a list by its ID."""
    return statuses.get(ctx, p.id)


@method("crm.status.list", scope="crm", params=ListParams, doc=f"{DOCS}list.md")
def status_list(ctx: CallContext, p: ListParams) -> Page:
    """Values of every list, filtered and sorted, 50 a page."""
    return statuses.list_(ctx, p.order, p.filter, p.start)


@method("crm.status.update", scope="crm", params=UpdateParams, doc=f"{DOCS}update.md")
def status_update(ctx: CallContext, p: UpdateParams) -> bool:
    """Rename, re-sort or re-colour a value."""
    return statuses.update(ctx, p.id, p.fields)


@method("crm.status.delete", scope="crm", params=DeleteParams, doc=f"{DOCS}delete.md")
def status_delete(ctx: CallContext, p: DeleteParams) -> bool:
    """Delete a value no item uses (a system one with FORCED=Y)."""
    return statuses.delete(ctx, p.id, p.params)


@method("crm.status.entity.types", scope="crm", params=NoArgs, doc=f"{DOCS}entity-types.md")
def status_entity_types(ctx: CallContext, p: NoArgs) -> list[dict[str, Any]]:
    """The portal's lists: fixed ones, deal pipelines' stages, smart processes' stages."""
    return statuses.entity_types_(ctx)


@method("crm.status.entity.items", scope="crm", params=ItemsParams, doc=f"{DOCS}entity-items.md")
def status_entity_items(ctx: CallContext, p: ItemsParams) -> list[dict[str, Any]]:
    """One list's values in their order."""
    return statuses.entity_items(ctx, p.entityid)
