"""crm.category.add / update / get / list / delete / fields.

Docs: api-reference/crm/universal/category/crm-category-*.md. The arguments are bound as the vendor's
action signatures declare them (``int $entityTypeId``, ``int $id``, ``array $fields``, ``array $filter =
[]``): a missing or mistyped one is the binder's error 100.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import categories
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/universal/category/crm-category-"
TYPE = Arg("entityTypeId", "int")
ID = Arg("id", "int")
FIELDS = Arg("fields", "array")


@d7_method("crm.category.fields", args=(TYPE,), doc=f"{DOCS}fields.md")
def category_fields(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """The fields of a type's pipelines, described."""
    return categories.fields(ctx, a.entityTypeId)


@d7_method("crm.category.get", args=(TYPE, ID), doc=f"{DOCS}get.md")
def category_get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """One pipeline."""
    return categories.get(ctx, a.entityTypeId, a.id)


@d7_method("crm.category.list", args=(TYPE, Arg("filter", "array", [])), doc=f"{DOCS}list.md")
def category_list(ctx: CallContext, a: Bound) -> Page:
    """A type's pipelines the caller may read."""
    return categories.list_(ctx, a.entityTypeId, a.filter)


@d7_method("crm.category.add", args=(TYPE, FIELDS), doc=f"{DOCS}add.md")
def category_add(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """A new pipeline with the default stages."""
    return categories.add(ctx, a.entityTypeId, a.fields)


@d7_method("crm.category.update", args=(TYPE, ID, FIELDS), doc=f"{DOCS}update.md")
def category_update(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """Rename, re-sort or make a pipeline the default."""
    return categories.update(ctx, a.entityTypeId, a.id, a.fields)


@d7_method("crm.category.delete", args=(TYPE, ID), doc=f"{DOCS}delete.md")
def category_delete(ctx: CallContext, a: Bound) -> None:
    """Delete an empty pipeline that is not the default."""
    categories.delete(ctx, a.entityTypeId, a.id)
