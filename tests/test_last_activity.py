"""An item's last activity (``LAST_ACTIVITY_TIME`` / ``LAST_ACTIVITY_BY``; crm.item ``lastActivityTime`` /
``lastActivityBy``): its creation, then every activity added to it, by whoever added it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import crm_items
from b24crm.store.engine import Database
from tests.client import PortalClient, call_fields

START = 1_767_225_600.0  # the manual clock's start, 2026-01-01T00:00:00Z


@pytest.fixture
def clocked(settings: Settings, database: Database, clock: ManualClock) -> Iterator[PortalClient]:
    runtime = Runtime(settings, clock=clock, db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield PortalClient.create(runtime, client, scopes=("crm", "user"), time_zone="Europe/Berlin")


def _classic(portal: PortalClient, method: str, item_id: int) -> tuple[float, str]:
    got = portal.result(method, {"id": item_id})
    return datetime.fromisoformat(got["LAST_ACTIVITY_TIME"]).timestamp(), got["LAST_ACTIVITY_BY"]


def _item(portal: PortalClient, entity_type_id: int, item_id: int) -> tuple[float, int]:
    got = portal.result("crm.item.get", {"entityTypeId": entity_type_id, "id": item_id})["item"]
    return datetime.fromisoformat(got["lastActivityTime"]).timestamp(), got["lastActivityBy"]


def test_a_new_activity_is_the_last_activity_of_every_item_it_is_bound_to(
    clocked: PortalClient, clock: ManualClock
) -> None:
    admin = str(clocked.hook.user.id)
    deal = clocked.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    contact = clocked.result("crm.contact.add", {"fields": {"NAME": "Ann"}})
    lead = clocked.result("crm.lead.add", {"fields": {"TITLE": "Lead"}})
    assert _classic(clocked, "crm.deal.get", deal) == (START, admin)  # the creation

    seller = clocked.runtime.tenancy.create_user(clocked.hook.portal.id, name="Seller", admin=True)
    other = clocked.with_webhook(seller.id, ("crm",))
    clock.advance(60)
    todo = other.result(
        "crm.activity.todo.add",
        {"ownerTypeId": 2, "ownerId": deal, "title": "Call back", "deadline": "2026-02-01T10:00:00+00:00"},
    )["id"]
    assert _classic(clocked, "crm.deal.get", deal) == (START + 60, str(seller.id))
    assert _item(clocked, 2, deal) == (START + 60, seller.id)
    assert _classic(clocked, "crm.contact.get", contact) == (START, admin)  # not bound: unchanged

    # A call bound to the deal and, through its communication, to the contact: both move.
    clock.advance(60)
    comms = [{"VALUE": "+15550100", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact, "TYPE_ID": "PHONE"}]
    call = clocked.result("crm.activity.add", {"fields": call_fields(deal, COMMUNICATIONS=comms)})
    assert _classic(clocked, "crm.deal.get", deal) == (START + 120, admin)
    assert _classic(clocked, "crm.contact.get", contact) == (START + 120, admin)

    # Changing an activity, or a lead's own update, is no new activity.
    clock.advance(60)
    other.result("crm.activity.update", {"id": call, "fields": {"SUBJECT": "Call again"}})
    other.result(
        "crm.activity.todo.update",
        {
            "id": todo,
            "ownerTypeId": 2,
            "ownerId": deal,
            "title": "Later",
            "deadline": "2026-03-01T10:00:00+00:00",
        },
    )
    clocked.result("crm.lead.update", {"id": lead, "fields": {"TITLE": "Lead 2"}})
    assert _classic(clocked, "crm.deal.get", deal) == (START + 120, admin)
    assert _classic(clocked, "crm.lead.get", lead) == (START, admin)

    clock.advance(60)
    other.result("crm.activity.add", {"fields": call_fields(0, OWNER_TYPE_ID=1, OWNER_ID=lead)})
    assert _classic(clocked, "crm.lead.get", lead) == (START + 240, str(seller.id))
    assert _item(clocked, 1, lead) == (START + 240, seller.id)
    assert _classic(clocked, "crm.deal.get", deal) == (START + 120, admin)


def test_a_refused_activity_leaves_the_item_as_it_was(clocked: PortalClient, clock: ManualClock) -> None:
    deal = clocked.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    clock.advance(60)
    clocked.error("crm.activity.add", {"fields": call_fields(deal, SUBJECT="")})
    assert _classic(clocked, "crm.deal.get", deal) == (START, str(clocked.hook.user.id))


def test_an_item_write_keeps_a_last_activity_set_meanwhile(clocked: PortalClient, clock: ManualClock) -> None:
    """An activity's transaction moves the deal's last activity while an update of the deal waits: the
    update, which rewrites the row, must read it after that commit (on PostgreSQL under the row's lock)."""
    deal = clocked.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    runtime, portal_id = clocked.runtime, clocked.hook.portal.id
    stamped, answered = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def activity_side() -> None:
        with runtime.db.write() as conn:
            crm_items.stamp_last_activity(conn, portal_id, 2, deal, START + 3600, 7)
            stamped.set()
            answered.wait(0.5)  # the update is under way (or waits for this commit)

    def update_side() -> None:
        outcome.append(clocked.result("crm.deal.update", {"id": deal, "fields": {"TITLE": "Renamed"}}))
        answered.set()

    first = threading.Thread(target=activity_side)
    first.start()
    assert stamped.wait(10)
    second = threading.Thread(target=update_side)
    second.start()
    first.join(10)
    second.join(10)
    assert outcome == [True]
    got = clocked.result("crm.deal.get", {"id": deal})
    assert got["TITLE"] == "Renamed"
    assert (datetime.fromisoformat(got["LAST_ACTIVITY_TIME"]).timestamp(), got["LAST_ACTIVITY_BY"]) == (
        START + 3600,
        "7",
    )
