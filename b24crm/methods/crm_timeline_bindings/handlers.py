"""crm.timeline.bindings.bind / unbind / list / fields.

Docs: api-reference/crm/timeline/bindings/crm-timeline-bindings-*.md. The older proxy: ``fields`` and
``filter`` objects, errors with an empty code (``crm/timeline/bindings.py``).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.timeline import bindings
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/crm/timeline/bindings/crm-timeline-bindings-"


class FieldsParams(Params):
    fields: Any = None


class ListParams(Params):
    filter: Any = None


@method("crm.timeline.bindings.bind", scope="crm", params=FieldsParams, doc=f"{DOCS}bind.md")
def bind(ctx: CallContext, p: FieldsParams) -> bool:
    """Bind a timeline record to one more CRM item."""
    return bindings.bind(ctx, p.fields)


@method("crm.timeline.bindings.unbind", scope="crm", params=FieldsParams, doc=f"{DOCS}unbind.md")
def unbind(ctx: CallContext, p: FieldsParams) -> bool:
    """Unbind a timeline record from a CRM item."""
    return bindings.unbind(ctx, p.fields)


@method("crm.timeline.bindings.list", scope="crm", params=ListParams, doc=f"{DOCS}list.md")
def list_(ctx: CallContext, p: ListParams) -> Page:
    """The CRM items a timeline record is bound to."""
    return bindings.list_(ctx, p.filter)


@method("crm.timeline.bindings.fields", scope="crm", doc=f"{DOCS}fields.md")
def fields(ctx: CallContext, p: Params) -> dict[str, Any]:
    """The fields of a timeline binding, described."""
    return bindings.fields(ctx)
