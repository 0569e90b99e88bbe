"""crm.activity.add / update / get / list / delete / fields / communication.fields.

Docs: api-reference/crm/timeline/activities/activity-base/crm-activity-*.md. The older REST proxy: parameters
``fields`` (also ``FIELDS``, ``arFields``), ``id``/``ID``; errors with an empty code (``crm/activity/``:
``service.py``, ``input.py``, ``access.py``).
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.activity import access, listing, service
from b24crm.crm.activity.fields import COMMUNICATION_FIELDS, FIELDS
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/crm/timeline/activities/activity-base/"
# get, add and list start on the event loop, not in the thread pool: their storage work is usually short
# (a key read, a handful of indexed writes, an indexed page with a remembered count) and the hop to a
# thread costs more than it (bench/README.md, "Where the time goes"). They are bounded: a scan, a wait for
# a lock or a large input moves them to a thread (``Database.inline``), so no one call holds the others.


class FieldsParams(Params):
    fields: Any = None
    arfields: Any = None
    params: Any = None

    @property
    def given(self) -> Any:
        return self.fields if self.fields is not None else self.arfields


class IdParams(Params):
    id: Any = None


class UpdateParams(FieldsParams):
    id: Any = None


class ListParams(Params):
    order: Any = None
    filter: Any = None
    select: Any = None
    start: Any = None


@method(
    "crm.activity.add",
    scope="crm",
    params=FieldsParams,
    doc=f"{DOCS}crm-activity-add.md",
    blocking=False,
    bounded=True,
)
def add(ctx: CallContext, p: FieldsParams) -> int:
    """Create a system activity (call, meeting, e-mail, provider activity); answers its ID."""
    return service.add(ctx, p.given, p.params)


@method("crm.activity.update", scope="crm", params=UpdateParams, doc=f"{DOCS}crm-activity-update.md")
def update(ctx: CallContext, p: UpdateParams) -> bool:
    """Change an activity's fields; COMMUNICATIONS rebuild its bindings."""
    return service.update(ctx, p.id, p.given, p.params)


@method(
    "crm.activity.get",
    scope="crm",
    params=IdParams,
    doc=f"{DOCS}crm-activity-get.md",
    blocking=False,
    bounded=True,
    first=lambda ctx, p: listing.get_stored(ctx, p.id),
)
def get(ctx: CallContext, p: IdParams) -> dict[str, Any]:
    """One activity, every value a string."""
    return listing.get(ctx, p.id)


@method(
    "crm.activity.list",
    scope="crm",
    params=ListParams,
    doc=f"{DOCS}crm-activity-list.md",
    blocking=False,
    bounded=True,
)
def list_(ctx: CallContext, p: ListParams) -> Page:
    """Activities, filtered, sorted, 50 a page; COMMUNICATIONS and FILES on request."""
    return listing.list_activities(ctx, select=p.select, filter_=p.filter, order=p.order, start=p.start)


@method("crm.activity.delete", scope="crm", params=IdParams, doc=f"{DOCS}crm-activity-delete.md")
def delete(ctx: CallContext, p: IdParams) -> bool:
    """Delete an activity with its bindings, communications and files."""
    return service.delete(ctx, p.id)


@method("crm.activity.fields", scope="crm", doc=f"{DOCS}crm-activity-fields.md")
def fields(ctx: CallContext, p: Params) -> dict[str, Any]:
    """The fields of an activity, described."""
    access.check_crm_access(ctx)
    return {f.name: f.describe() for f in FIELDS}


@method(
    "crm.activity.communication.fields",
    scope="crm",
    doc=f"{DOCS}crm-activity-communication-fields.md",
)
def communication_fields(ctx: CallContext, p: Params) -> dict[str, Any]:
    """The fields of an activity's communication, described."""
    access.check_crm_access(ctx)
    return {f.name: f.describe() for f in COMMUNICATION_FIELDS}
