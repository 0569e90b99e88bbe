"""crm.activity.type.add / list / delete: an application's own activity types.

Docs: api-reference/crm/timeline/activities/types/. The vendor's older REST proxy: parameter names are
case-insensitive (``array_change_key_case``), answers are ``true`` or the list of types.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import activity_types
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import NoParams, Params, method

DOCS = "api-reference/crm/timeline/activities/types/"


class AddParams(Params):
    fields: Any = None


class DeleteParams(Params):
    type_id: Any = None


@method("crm.activity.type.add", scope="crm", params=AddParams, doc=f"{DOCS}crm-activity-type-add.md")
def add(ctx: CallContext, p: AddParams) -> bool:
    """Register an activity type of the calling application: TYPE_ID, NAME, ICON_FILE, configurable."""
    return activity_types.add(ctx, p.fields)


@method("crm.activity.type.list", scope="crm", params=NoParams, doc=f"{DOCS}crm-activity-type-list.md")
def list_types(ctx: CallContext, p: NoParams) -> list[dict[str, str]]:
    """The calling application's activity types."""
    return activity_types.list_types(ctx)


@method(
    "crm.activity.type.delete", scope="crm", params=DeleteParams, doc=f"{DOCS}crm-activity-type-delete.md"
)
def delete(ctx: CallContext, p: DeleteParams) -> bool:
    """Delete one of the calling application's activity types by its TYPE_ID."""
    return activity_types.delete(ctx, p.type_id)
