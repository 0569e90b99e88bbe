"""placement.bind / unbind / get / list (docs: api-reference/widgets/placement-*.md).

The vendor folds the top-level parameter names to upper case; the values keep theirs.
"""

from __future__ import annotations

from typing import Any

from b24crm.apps import placements
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/widgets/"


def _upper(p: Params) -> dict[str, Any]:
    return {k.upper(): v for k, v in (p.model_extra or {}).items()}


@method("placement.bind", scope="placement", params=Params, doc=f"{DOCS}placement-bind.md")
def placement_bind(ctx: CallContext, p: Params) -> Any:
    """Register a handler of the calling application for a placement."""
    return placements.bind(ctx, _upper(p))


@method("placement.unbind", scope="placement", params=Params, doc=f"{DOCS}placement-unbind.md")
def placement_unbind(ctx: CallContext, p: Params) -> dict[str, int]:
    """Remove the application's handlers of a placement (of one URL, or all)."""
    return placements.unbind(ctx, _upper(p))


@method("placement.get", scope="placement", doc=f"{DOCS}placement-get.md")
def placement_get(ctx: CallContext, p: Params) -> list[dict[str, Any]]:
    """The application's registered placement handlers."""
    return placements.registered(ctx)


@method("placement.list", scope="placement", params=Params, doc=f"{DOCS}placement-list.md")
def placement_list(ctx: CallContext, p: Params) -> list[str]:
    """Codes of the placements the application may bind."""
    return placements.codes(ctx, _upper(p))
