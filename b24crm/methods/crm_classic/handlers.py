"""crm.{lead,deal,contact,company}.{add,update,get,list,delete,fields}.

Docs: api-reference/crm/{leads,deals,contacts,companies}/crm-<entity>-<action>.md. Declared in a loop: the
twenty-four methods differ only in the entity they work on.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import classic, classic_fields
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import Params, method

DOCS = {"lead": "leads", "deal": "deals", "contact": "contacts", "company": "companies"}


class IdParams(Params):
    id: Any = None


class AddParams(Params):
    fields: Any = None
    params: Any = None


class UpdateParams(IdParams):
    fields: Any = None
    params: Any = None


class ListParams(Params):
    order: Any = None
    filter: Any = None
    select: Any = None
    start: Any = None


class NoArgs(Params):
    pass


def _register(entity: str, entity_type_id: int) -> None:
    prefix = f"crm.{entity}"
    doc = f"api-reference/crm/{DOCS[entity]}/crm-{entity}-"
    title = entity.capitalize()

    def add(ctx: CallContext, p: AddParams) -> int:
        return classic.add(ctx, entity_type_id, p.fields, p.params)

    def update(ctx: CallContext, p: UpdateParams) -> bool:
        return classic.update(ctx, entity_type_id, p.id, p.fields, p.params)

    def get(ctx: CallContext, p: IdParams) -> dict[str, Any]:
        return classic.get(ctx, entity_type_id, p.id)

    def list_(ctx: CallContext, p: ListParams) -> Page:
        return classic.list_items(
            ctx, entity_type_id, select=p.select, filter_=p.filter, order=p.order, start=p.start
        )

    def delete(ctx: CallContext, p: IdParams) -> bool:
        return classic.delete(ctx, entity_type_id, p.id)

    def fields(ctx: CallContext, p: NoArgs) -> dict[str, Any]:
        return classic_fields.describe(entity_type_id)

    for action, handler, params, summary in (
        ("add", add, AddParams, f"Create a {entity}; answers its ID."),
        ("update", update, UpdateParams, f"Change a {entity}'s fields."),
        ("get", get, IdParams, f"One {entity}, every value a string."),
        ("list", list_, ListParams, f"{title}s, filtered, sorted, 50 a page."),
        ("delete", delete, IdParams, f"Delete a {entity}."),
        ("fields", fields, NoArgs, f"The fields of a {entity}, described."),
    ):
        handler.__doc__ = summary
        method(f"{prefix}.{action}", scope="crm", params=params, doc=f"{doc}{action}.md")(handler)


for _entity, _type_id in classic.ENTITIES.items():
    _register(_entity, _type_id)
