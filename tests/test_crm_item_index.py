"""Item lists are served from an index: the query plan of a filtered, ordered page, on both stores.

This is how "served from an index" is shown without a timed test; bench/ measures the speed.
"""

from __future__ import annotations

import pytest

from b24crm.auth.caller import Caller
from b24crm.crm import items
from tests.client import PortalClient

CASES = [
    ({"assignedById": 3}, {"id": "DESC"}, "ix_crm_items_assigned"),
    ({"stageId": "WON"}, {"id": "DESC"}, "ix_crm_items_stage"),
    ({">createdTime": "2026-01-01T00:00:00+00:00"}, {"createdTime": "ASC"}, "ix_crm_items_created"),
    ({">id": 500}, {"id": "ASC"}, "pk_crm_items"),
]


def _plan_text(portal: PortalClient, filter_: dict, order: dict) -> str:  # type: ignore[type-arg]
    runtime = portal.runtime
    credential = runtime.tenancy.resolve_webhook(str(portal.hook.user.id), portal.hook.code)
    ctx = Caller(runtime.services, credential)
    with runtime.db.read() as conn:
        plan = items.plan_list(conn, ctx, 2, filter_=filter_, order=order, start=-1)
        compiled = plan.query.statement.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
            return "\n".join(str(r[-1]) for r in rows)
        # The tables are small in a test, and their statistics are whatever the tests before left (a
        # portal of one row sorts for free), so make the planner show what it would do at scale: no
        # scan of the whole table, and a sort only where no index gives the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}").all())


@pytest.mark.parametrize(("filter_", "order", "index"), CASES)
def test_filtered_ordered_page_uses_an_index(
    portal: PortalClient, filter_: dict, order: dict, index: str
) -> None:  # type: ignore[type-arg]
    for _ in range(3):
        portal.result("crm.item.add", {"entityTypeId": 2, "fields": {"title": "x"}})
    text = _plan_text(portal, filter_, order)
    if portal.runtime.db.dialect == "sqlite":
        # SQLite names a composite primary key's index sqlite_autoindex_<table>_1.
        expected = "sqlite_autoindex_crm_items_1" if index == "pk_crm_items" else index
        assert f"USING INDEX {expected}" in text or f"USING COVERING INDEX {expected}" in text, text
        assert "TEMP B-TREE" not in text, text  # no sort step: the index gives the order
    else:
        assert f"Index Scan using {index}" in text or f"Index Scan Backward using {index}" in text, text
        assert "Sort" not in text, text
