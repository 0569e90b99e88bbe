"""Helpers shared by the crm.activity tests: a call on a deal, added through HTTP."""

from __future__ import annotations

from typing import Any

from tests.client import PortalClient

PHONE = "+15550100"


def call_on(deal_id: int, **extra: Any) -> dict[str, Any]:
    """A call owned by a deal; its one communication (VALUE only) is pinned to the owner."""
    return {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal_id,
        "TYPE_ID": 2,
        "SUBJECT": "Call",
        "COMMUNICATIONS": [{"VALUE": PHONE}],
        **extra,
    }


def add(portal: PortalClient, fields: dict[str, Any]) -> int:
    """``crm.activity.add`` of ``fields``; answers the new activity's id."""
    result = portal.result("crm.activity.add", {"fields": fields})
    assert isinstance(result, int) and not isinstance(result, bool), result
    return result
