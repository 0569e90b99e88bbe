"""crm.activity.todo.*: universal activities, through HTTP, as crm.activity.get/list show them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.crm.permissions import create_role, parse_grant
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import crm_roles
from b24crm.store.engine import Database
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
FORMS = ("json", "form")


@pytest.fixture
def clocked(settings: Settings, database: Database, clock: ManualClock) -> Iterator[PortalClient]:
    """A portal on a server whose clock moves only when the test says so (Europe/Berlin, +01:00)."""
    runtime = Runtime(settings, db=database, clock=clock)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        yield PortalClient.create(runtime, http, scopes=("crm", "user"), time_zone="Europe/Berlin")


def _deal(portal: PortalClient, **fields: object) -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": "Todo deal", **fields}}))


def _todo(portal: PortalClient, deal_id: int, *, form: str = "json", **extra: object) -> int:
    params = {"ownerTypeId": 2, "ownerId": deal_id, "deadline": "2026-03-01T15:00:00", **extra}
    result = portal.result("crm.activity.todo.add", params, form=form)
    assert list(result) == ["id"] and isinstance(result["id"], int)
    return int(result["id"])


@pytest.mark.parametrize("form", FORMS)
def test_todo_reads_back_as_an_activity(clocked: PortalClient, form: str) -> None:
    deal_id = _deal(clocked)
    todo_id = _todo(
        clocked,
        deal_id,
        form=form,
        title="Call back",
        description="[b]Ask[/b] about the offer",
        colorId="3",
        pingOffsets=[0, 15, "30", -5, 15, "x"],
    )
    got = clocked.result("crm.activity.get", {"id": todo_id}, form=form)
    assert {
        k: got[k] for k in ("OWNER_TYPE_ID", "OWNER_ID", "TYPE_ID", "PROVIDER_ID", "PROVIDER_TYPE_ID")
    } == {
        "OWNER_TYPE_ID": "2",
        "OWNER_ID": str(deal_id),
        "TYPE_ID": "6",
        "PROVIDER_ID": "CRM_TODO",
        "PROVIDER_TYPE_ID": "TODO",
    }
    assert got["SUBJECT"] == "Call back" and got["DESCRIPTION"] == "[b]Ask[/b] about the offer"
    assert got["DESCRIPTION_TYPE"] == "2"
    # No offset in the deadline: the portal's time zone.
    assert got["START_TIME"] == got["END_TIME"] == got["DEADLINE"] == "2026-03-01T15:00:00+01:00"
    assert got["SETTINGS"] == {"COLOR": "3"}
    assert got["COMPLETED"] == "N" and got["STATUS"] == "1"
    assert got["RESPONSIBLE_ID"] == got["AUTHOR_ID"] == str(clocked.hook.user.id)
    found = clocked.result("crm.activity.list", {"filter": {"PROVIDER_ID": "CRM_TODO"}, "select": ["ID"]})
    assert found == [{"ID": str(todo_id)}]
    reminders = clocked.http.get(f"/_b24crm/portals/{clocked.hook.portal.id}/reminders", headers=ADMIN)
    assert sorted(r["offset_minutes"] for r in reminders.json()["result"]) == [0, 15, 30]


def test_missing_and_mistyped_arguments(clocked: PortalClient) -> None:
    deal_id = _deal(clocked)
    assert clocked.error("crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": deal_id}) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {deadline}"},
    )
    assert clocked.error("crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": "abc", "deadline": "x"}) == (
        400,
        {
            "error": "100",
            "error_description": "Invalid value {abc} to match with parameter {ownerId}. "
            "Should be value of type int.",
        },
    )
    # Arguments are checked in signature order: ownerTypeId comes before deadline.
    assert clocked.error("crm.activity.todo.add", {"ownerId": deal_id})[1]["error_description"] == (
        "Could not find value for parameter {ownerTypeId}"
    )
    assert clocked.error(
        "crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": deal_id, "deadline": "next tuesday-ish"}
    ) == (400, {"error": "WRONG_DATETIME_FORMAT", "error_description": "Incorrect date format."})


def test_owner_errors_and_access(clocked: PortalClient) -> None:
    assert clocked.error(
        "crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": 999, "deadline": "2026-03-01"}
    ) == (
        400,
        {"error": "OWNER_NOT_FOUND", "error_description": "Owner was not found"},
    )
    assert clocked.error(
        "crm.activity.todo.add", {"ownerTypeId": 77, "ownerId": 1, "deadline": "2026-03-01"}
    ) == (
        400,
        {"error": "NOT_FOUND", "error_description": "Item was not found."},
    )
    deal_id = _deal(clocked)
    seller = clocked.runtime.tenancy.create_user(clocked.hook.portal.id, name="Seller")
    with clocked.runtime.db.write() as conn:
        role = create_role(
            conn, clocked.hook.portal.id, name="Readers", permissions=dict([parse_grant("2:read=all")])
        )
        crm_roles.assign(conn, clocked.hook.portal.id, seller.id, role)
    reader = clocked.with_webhook(seller.id, ("crm",))
    params = {"ownerTypeId": 2, "ownerId": deal_id, "deadline": "2026-03-01T10:00:00+00:00"}
    assert reader.error("crm.activity.todo.add", params) == (
        400,
        {"error": "ACCESS_DENIED", "error_description": "Access denied"},
    )
    todo_id = _todo(clocked, deal_id)
    assert reader.error(
        "crm.activity.todo.updateDeadline",
        {"id": todo_id, "ownerTypeId": 2, "ownerId": deal_id, "value": "2026-04-01"},
    )[1] == {"error": "ACCESS_DENIED", "error_description": "Access denied"}


def test_updates_and_their_errors(clocked: PortalClient) -> None:
    deal_id = _deal(clocked)
    other_deal = _deal(clocked)
    todo_id = _todo(clocked, deal_id, title="First", colorId="1")
    key = {"id": todo_id, "ownerTypeId": 2, "ownerId": deal_id}
    assert clocked.result(
        "crm.activity.todo.updateDeadline", {**key, "value": "2026-05-02T09:30:00+03:00"}
    ) == {"id": todo_id}
    assert clocked.result("crm.activity.get", {"id": todo_id})["DEADLINE"] == "2026-05-02T08:30:00+02:00"
    clocked.result("crm.activity.todo.updateDescription", {**key, "value": "New text"})
    clocked.result("crm.activity.todo.updateColor", {**key, "colorId": 7})  # a number is taken as "7"
    got = clocked.result("crm.activity.get", {"id": todo_id})
    assert got["DESCRIPTION"] == "New text" and got["SETTINGS"] == {"COLOR": "7"}
    assert clocked.error("crm.activity.todo.updateColor", {**key, "colorId": "9"}) == (
        400,
        {"error": "CAN_NOT_UPDATE_WRONG_COLOR_TODO", "error_description": "Invalid color value"},
    )
    second = clocked.runtime.tenancy.create_user(clocked.hook.portal.id, name="Second")
    clocked.result("crm.activity.todo.updateResponsibleUser", {**key, "responsibleId": second.id})
    assert clocked.result("crm.activity.get", {"id": todo_id})["RESPONSIBLE_ID"] == str(second.id)
    assert clocked.error("crm.activity.todo.updateResponsibleUser", {**key, "responsibleId": 0}) == (
        400,
        {
            "error": "INVALID_ARG_VALUE",
            "error_description": 'Parameter "responsibleId" must be greater than 0',
        },
    )
    full = {**key, "deadline": "2026-06-01T12:00:00Z", "title": "Renamed", "pingOffsets": [60]}
    assert clocked.result("crm.activity.todo.update", full) == {"id": todo_id}
    got = clocked.result("crm.activity.get", {"id": todo_id})
    assert got["SUBJECT"] == "Renamed" and got["DEADLINE"] == "2026-06-01T14:00:00+02:00"
    # An unknown colour on update is ignored; the one set stays.
    clocked.result("crm.activity.todo.update", {**full, "colorId": "purple"})
    assert clocked.result("crm.activity.get", {"id": todo_id})["SETTINGS"] == {"COLOR": "7"}
    # The todo is looked up among those bound to the owner given.
    wrong_owner = {**key, "ownerId": other_deal, "value": "x"}
    assert clocked.error("crm.activity.todo.updateDescription", wrong_owner) == (
        400,
        {"error": "NOT_FOUND", "error_description": "Item was not found."},
    )
    assert clocked.error("crm.activity.todo.updateDescription", {**key, "ownerTypeId": 77, "value": "x"}) == (
        400,
        {"error": "100", "error_description": "The provided $entityTypeId is invalid"},
    )
    plain_call = clocked.result(
        "crm.activity.add",
        {
            "fields": {
                "OWNER_TYPE_ID": 2,
                "OWNER_ID": deal_id,
                "TYPE_ID": 2,
                "SUBJECT": "Call",
                "COMMUNICATIONS": [{"VALUE": "1"}],
            }
        },
    )
    assert clocked.error("crm.activity.todo.updateDescription", {**key, "id": plain_call, "value": "x"})[
        1
    ] == {
        "error": "NOT_FOUND",
        "error_description": "Item was not found.",
    }


def test_completed_todos_refuse_changes(clocked: PortalClient) -> None:
    deal_id = _deal(clocked)
    todo_id = _todo(clocked, deal_id)
    clocked.result("crm.activity.update", {"id": todo_id, "fields": {"COMPLETED": "Y"}})
    key = {"id": todo_id, "ownerTypeId": 2, "ownerId": deal_id}
    completed = {
        "error": "CAN_NOT_UPDATE_COMPLETED_TODO",
        "error_description": "Cannot edit completed activity.",
    }
    assert clocked.error("crm.activity.todo.update", {**key, "deadline": "2026-03-01"})[1] == completed
    assert clocked.error("crm.activity.todo.updateDeadline", {**key, "value": "2026-03-01"})[1] == completed
    assert clocked.error("crm.activity.todo.updateDescription", {**key, "value": "x"})[1] == completed
    assert clocked.error("crm.activity.todo.updateColor", {**key, "colorId": "2"})[1]["error"] == (
        "CAN_NOT_UPDATE_COLOR_COMPLETED_TODO"
    )
    assert clocked.error("crm.activity.todo.updateResponsibleUser", {**key, "responsibleId": 1})[1] == {
        "error": "CAN_NOT_UPDATE_RESPONSIBLE_USER_COMPLETED_TODO",
        "error_description": "Cannot change responsible person because the activity is completed.",
    }


def test_child_todo_copies_bindings_and_completes_parent(clocked: PortalClient) -> None:
    deal_id = _deal(clocked)
    contact_id = clocked.result("crm.contact.add", {"fields": {"NAME": "Ann"}})
    parent = _todo(clocked, deal_id, title="Parent")
    clocked.result(
        "crm.activity.binding.add", {"activityId": parent, "entityTypeId": 3, "entityId": contact_id}
    )
    child = _todo(clocked, deal_id, title="Child", parentActivityId=parent)
    assert clocked.result("crm.activity.binding.list", {"activityId": child}) == [
        {"entityTypeId": 2, "entityId": deal_id},
        {"entityTypeId": 3, "entityId": contact_id},
    ]
    assert clocked.result("crm.activity.get", {"id": child})["ASSOCIATED_ENTITY_ID"] == str(parent)
    done = clocked.result("crm.activity.get", {"id": parent})
    assert done["COMPLETED"] == "Y" and done["STATUS"] == "2"
    # A parent that is completed already cannot get another child (the documented restriction).
    assert clocked.error(
        "crm.activity.todo.add",
        {"ownerTypeId": 2, "ownerId": deal_id, "deadline": "2026-03-01", "parentActivityId": parent},
    ) == (
        400,
        {
            "error": "ERROR_PARENT_ACTIVITY_RESTRICT",
            "error_description": "Cannot plan a child activity for a completed activity.",
        },
    )
    # A parent that does not exist is ignored.
    assert _todo(clocked, deal_id, parentActivityId=99999) > child


def test_a_parent_the_caller_cannot_read_is_ignored(clocked: PortalClient) -> None:
    portal_id = clocked.hook.portal.id
    seller = clocked.runtime.tenancy.create_user(portal_id, name="Seller")
    with clocked.runtime.db.write() as conn:
        role = create_role(conn, portal_id, name="Own", permissions=dict([parse_grant("2:*=own")]))
        crm_roles.assign(conn, portal_id, seller.id, role)
    restricted = clocked.with_webhook(seller.id, ("crm",))
    hidden = _todo(clocked, _deal(clocked), title="Not yours")
    mine = restricted.result("crm.deal.add", {"fields": {"TITLE": "Mine"}})
    child = _todo(restricted, mine, parentActivityId=hidden)
    # The hidden todo stays open, and the new one is bound to the caller's deal alone.
    assert clocked.result("crm.activity.get", {"id": hidden})["COMPLETED"] == "N"
    assert restricted.result("crm.activity.binding.list", {"activityId": child}) == [
        {"entityTypeId": 2, "entityId": mine}
    ]
    assert restricted.result("crm.activity.get", {"id": child})["ASSOCIATED_ENTITY_ID"] == "0"


def test_ping_offsets_fire_as_the_clock_passes(clocked: PortalClient, clock: ManualClock) -> None:
    deal_id = _deal(clocked)
    clock.set(1_772_370_000.0)  # 2026-03-01T13:00:00Z
    todo_id = _todo(clocked, deal_id, deadline="2026-03-01T15:00:00+00:00", pingOffsets=[0, 15, 60])

    def fired() -> list[int]:
        response = clocked.http.get(f"/_b24crm/portals/{clocked.hook.portal.id}/reminders", headers=ADMIN)
        rows = response.json()["result"]
        assert {r["activity_id"] for r in rows} == {todo_id}
        return sorted(r["offset_minutes"] for r in rows if r["fired"] is not None)

    assert fired() == []
    clock.set(1_772_377_200.0 - 3600)  # 14:00: the one-hour reminder is due
    assert fired() == [60]
    clock.set(1_772_377_200.0 - 600)  # 14:50
    assert fired() == [15, 60]
    # Moving the deadline reschedules what has not fired yet.
    key = {"id": todo_id, "ownerTypeId": 2, "ownerId": deal_id}
    clocked.result("crm.activity.todo.updateDeadline", {**key, "value": "2026-03-02T15:00:00+00:00"})
    clock.set(1_772_377_200.0 + 60)  # 15:01 on the first day: the old 0-minute ping is gone
    assert fired() == [15, 60]
    clock.set(1_772_463_600.0)  # the new deadline
    assert fired() == [0, 15, 15, 60, 60]
