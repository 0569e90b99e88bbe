"""What an item takes from its pipeline and stages: the default stage, the stage group, ``closed``,
``isNew``, an unknown stage replaced (crm.item.* and the classic crm.deal/lead.*), a smart process's
default pipeline from crm.type.add.

Evidence: the vendor's item operations (an unknown stage is the pipeline's first on add and stays what it
was on update), the stage lists of ``CCrmStatus`` and b24pysdk's status and category tests.
"""

from __future__ import annotations

from tests.client import PortalClient

DEAL, LEAD = 2, 1


def _deal(portal: PortalClient, **fields: object) -> dict:  # type: ignore[type-arg]
    return portal.result("crm.item.add", {"entityTypeId": DEAL, "fields": fields})["item"]


def test_a_new_deal_starts_in_the_first_stage_of_the_default_pipeline(portal: PortalClient) -> None:
    deal = _deal(portal, title="x")
    assert (deal["categoryId"], deal["stageId"], deal["stageSemanticId"]) == (0, "NEW", "P")
    assert deal["isNew"] == "Y" and deal["closed"] == "N"


def test_a_won_or_lost_stage_closes_the_deal(portal: PortalClient) -> None:
    won = _deal(portal, stageId="WON")
    assert (won["stageSemanticId"], won["closed"], won["isNew"]) == ("S", "Y", "N")
    lost = _deal(portal, stageId="APOLOGY")
    assert (lost["stageSemanticId"], lost["closed"]) == ("F", "Y")
    moved = portal.result(
        "crm.item.update", {"entityTypeId": DEAL, "id": won["id"], "fields": {"stageId": "EXECUTING"}}
    )["item"]
    assert (moved["stageId"], moved["stageSemanticId"], moved["closed"], moved["isNew"]) == (
        "EXECUTING",
        "P",
        "N",
        "N",
    )


def test_an_unknown_stage_is_replaced_on_add_and_ignored_on_update(portal: PortalClient) -> None:
    deal = _deal(portal, stageId="NO_SUCH_STAGE")
    assert deal["stageId"] == "NEW"
    portal.result("crm.item.update", {"entityTypeId": DEAL, "id": deal["id"], "fields": {"stageId": "WON"}})
    kept = portal.result(
        "crm.item.update", {"entityTypeId": DEAL, "id": deal["id"], "fields": {"stageId": "C7:NEW"}}
    )["item"]
    assert kept["stageId"] == "WON" and kept["closed"] == "Y"


def test_an_unknown_pipeline_is_the_default_one(portal: PortalClient) -> None:
    deal = _deal(portal, categoryId=999, stageId="C999:NEW")
    assert (deal["categoryId"], deal["stageId"]) == (0, "NEW")


def test_classic_deal_and_lead_fields_follow_the_stage(portal: PortalClient) -> None:
    deal_id = portal.result("crm.deal.add", {"fields": {"TITLE": "d", "STAGE_ID": "LOSE"}})
    deal = portal.result("crm.deal.get", {"id": deal_id})
    assert (deal["STAGE_ID"], deal["STAGE_SEMANTIC_ID"], deal["CLOSED"], deal["IS_NEW"]) == (
        "LOSE",
        "F",
        "Y",
        "N",
    )
    lead_id = portal.result("crm.lead.add", {"fields": {"TITLE": "l", "STATUS_ID": "CONVERTED"}})
    lead = portal.result("crm.lead.get", {"id": lead_id})
    assert (lead["STATUS_ID"], lead["STATUS_SEMANTIC_ID"]) == ("CONVERTED", "S")
    junk = portal.result("crm.lead.add", {"fields": {"TITLE": "l", "STATUS_ID": "BOGUS"}})
    assert portal.result("crm.lead.get", {"id": junk})["STATUS_ID"] == "NEW"


def test_a_new_smart_process_has_a_default_pipeline_with_five_stages(portal: PortalClient) -> None:
    etid = portal.result("crm.type.add", {"fields": {"title": "Orders"}})["type"]["entityTypeId"]
    item = portal.result("crm.item.add", {"entityTypeId": etid, "fields": {"stageId": f"DT{etid}_1:SUCCESS"}})
    assert item["item"]["stageId"] == f"DT{etid}_1:SUCCESS" and item["item"]["categoryId"] == 1
    other = portal.result("crm.item.add", {"entityTypeId": etid, "fields": {"stageId": "DT1_1:NEW"}})["item"]
    assert other["stageId"] == f"DT{etid}_1:NEW"
