"""b24crm seed: bulk data that the API sees as if added one by one."""

from __future__ import annotations

from b24crm.seed import seed_deals
from tests.client import PortalClient


def test_seeded_deals_continue_the_portal_counters(portal: PortalClient) -> None:
    portal.result("crm.item.add", {"entityTypeId": 2, "fields": {"title": "by hand"}})
    runtime = portal.runtime
    first, last = seed_deals(runtime.db, portal.hook.portal.id, 120, users=3, now=runtime.clock.now())
    assert (first, last) == (2, 121)
    page = portal.call(
        "crm.item.list", {"entityTypeId": 2, "order": {"id": "DESC"}, "select": ["id", "title", "stageId"]}
    )
    assert page["total"] == 121
    assert page["result"]["items"][0] == {
        "id": 121,
        "title": "Deal #121",
        "stageId": page["result"]["items"][0]["stageId"],
    }
    assert portal.result("crm.item.add", {"entityTypeId": 2, "fields": {}})["item"]["id"] == 122
    sellers = {
        i["assignedById"] for i in portal.result("crm.item.list", {"entityTypeId": 2, "start": 50})["items"]
    }
    assert sellers <= {1, 2, 3}
    got = portal.result("crm.item.get", {"entityTypeId": 2, "id": 60})["item"]
    assert got["currencyId"] == "USD" and got["typeId"] == "SALE" and got["opened"] == "Y"
