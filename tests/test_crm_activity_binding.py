"""crm.activity.binding.*: checks in the vendor's order, owner recomputation, events, the how-to scenarios
("transfer an activity between entities") end to end, and the real clients."""

from __future__ import annotations

import pytest

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.runtime import Runtime
from b24crm.store import crm_roles
from tests.apps_support import install
from tests.client import PortalClient
from tests.live import live_server

ADMIN = {"Authorization": "Bearer admin-secret"}
FORMS = ("json", "form")


def _item(portal: PortalClient, entity: str, **fields: object) -> int:
    return int(portal.result(f"crm.{entity}.add", {"fields": {"TITLE": entity, **fields}}))


def _call(portal: PortalClient, owner_type: int, owner_id: int) -> int:
    fields = {
        "OWNER_TYPE_ID": owner_type,
        "OWNER_ID": owner_id,
        "TYPE_ID": 2,
        "SUBJECT": "Call",
        "COMMUNICATIONS": [{"VALUE": "+15550002"}],
    }
    return int(portal.result("crm.activity.add", {"fields": fields}))


def _owner(portal: PortalClient, activity_id: int) -> tuple[str, str]:
    got = portal.result("crm.activity.get", {"id": activity_id})
    return got["OWNER_TYPE_ID"], got["OWNER_ID"]


def _timeline(portal: PortalClient, owner_type: int, owner_id: int) -> list[str]:
    rows = portal.result(
        "crm.activity.list",
        {"filter": {"BINDINGS": [{"OWNER_TYPE_ID": owner_type, "OWNER_ID": owner_id}]}, "select": ["ID"]},
    )
    return [r["ID"] for r in rows]


@pytest.mark.parametrize("form", FORMS)
def test_add_list_delete_recompute_the_owner(portal: PortalClient, form: str) -> None:
    contact = _item(portal, "contact", NAME="Ann")
    deal = _item(portal, "deal")
    activity = _call(portal, 3, contact)
    assert _owner(portal, activity) == ("3", str(contact))
    assert (
        portal.result(
            "crm.activity.binding.add",
            {"activityId": activity, "entityTypeId": 2, "entityId": deal},
            form=form,
        )
        is True
    )
    # A deal bound to a contact's activity becomes its owner (the last binding that is not a contact).
    assert _owner(portal, activity) == ("2", str(deal))
    assert portal.result("crm.activity.binding.list", {"activityId": activity}, form=form) == [
        {"entityTypeId": 3, "entityId": contact},
        {"entityTypeId": 2, "entityId": deal},
    ]
    assert (
        portal.result(
            "crm.activity.binding.delete",
            {"activityId": activity, "entityTypeId": 2, "entityId": deal},
            form=form,
        )
        is True
    )
    assert _owner(portal, activity) == ("3", str(contact))
    assert portal.result("crm.activity.binding.list", {"activityId": activity}) == [
        {"entityTypeId": 3, "entityId": contact}
    ]


def test_errors_in_the_vendors_order(portal: PortalClient) -> None:
    deal = _item(portal, "deal")
    other = _item(portal, "deal")
    company = _item(portal, "company")
    activity = _call(portal, 2, deal)

    def err(method: str, **params: object) -> dict[str, object]:
        return portal.error(f"crm.activity.binding.{method}", params)[1]

    assert err("add", entityTypeId=2, entityId=deal) == {
        "error": "100",
        "error_description": "Could not find value for parameter {activityId}",
    }
    assert err("add", activityId=999, entityTypeId=2, entityId=deal) == {
        "error": "NOT_FOUND",
        "error_description": "Item was not found.",
    }
    assert err("add", activityId=activity, entityTypeId=2, entityId=999) == {
        "error": "OWNER_NOT_FOUND",
        "error_description": "Owner was not found",
    }
    assert err("add", activityId=activity, entityTypeId=2, entityId=deal) == {
        "error": "ACTIVITY_IS_ALREADY_BOUND",
        "error_description": "Activity is already linked to this entity",
    }
    assert err("delete", activityId=activity, entityTypeId=2, entityId=other) == {
        "error": "BINDING_NOT_FOUND",
        "error_description": "Activity is not linked to this entity",
    }
    assert err("delete", activityId=activity, entityTypeId=2, entityId=deal) == {
        "error": "LAST_BINDING_CANNOT_BE_DELETED",
        "error_description": "Cannot delete the only one activity-to-entity link.",
    }
    move = {"activityId": activity, "sourceEntityTypeId": 2, "sourceEntityId": deal}
    assert err("move", **move, targetEntityTypeId=2, targetEntityId=deal) == {
        "error": "SOURCE_AND_TARGET_ENTITY_ID_ARE_EQUAL_ERROR",
        "error_description": "Source and target entity ID cannot be equal",
    }
    # IDs are per type: the first company has the deal's ID, and equal IDs are checked before the types.
    assert company == deal
    assert err("move", **move, targetEntityTypeId=4, targetEntityId=company)["error"] == (
        "SOURCE_AND_TARGET_ENTITY_ID_ARE_EQUAL_ERROR"
    )
    second_company = _item(portal, "company")
    assert err("move", **move, targetEntityTypeId=4, targetEntityId=second_company + 100)["error"] == (
        "OWNER_NOT_FOUND"
    )
    assert err("move", **move, targetEntityTypeId=4, targetEntityId=second_company) == {
        "error": "SOURCE_AND_TARGET_ENTITY_TYPES_ARE_NOT_EQUAL_ERROR",
        "error_description": "Source and target entity types are not equal",
    }
    assert err("move", **{**move, "sourceEntityId": other}, targetEntityTypeId=2, targetEntityId=deal) == {
        "error": "ACTIVITY_IS_ALREADY_BOUND",
        "error_description": "Activity is already linked to this entity",
    }
    third = _item(portal, "deal")
    assert err("move", **{**move, "sourceEntityId": other}, targetEntityTypeId=2, targetEntityId=third) == {
        "error": "BINDING_NOT_FOUND",
        "error_description": "Activity is not linked to this entity",
    }
    assert err("list", activityId="x") == {
        "error": "100",
        "error_description": "Invalid value {x} to match with parameter {activityId}. "
        "Should be value of type int.",
    }


def test_rights_and_readable_list(portal: PortalClient) -> None:
    deal = _item(portal, "deal")
    contact = _item(portal, "contact", NAME="Bo")
    activity = _call(portal, 2, deal)
    portal.result(
        "crm.activity.binding.add", {"activityId": activity, "entityTypeId": 3, "entityId": contact}
    )
    seller = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    with portal.runtime.db.write() as conn:
        role = create_role(
            conn,
            portal.hook.portal.id,
            name="Contacts only",
            permissions=dict([parse_grant("3:*=all")]),
        )
        crm_roles.assign(conn, portal.hook.portal.id, seller.id, role)
    limited = portal.with_webhook(seller.id, ("crm",))
    # Only the bindings the caller may read are listed.
    assert limited.result("crm.activity.binding.list", {"activityId": activity}) == [
        {"entityTypeId": 3, "entityId": contact}
    ]
    new_deal = _item(portal, "deal")
    denied = {"error": "ACCESS_DENIED", "error_description": "Access denied"}
    assert limited.error(
        "crm.activity.binding.add", {"activityId": activity, "entityTypeId": 2, "entityId": new_deal}
    ) == (400, denied)
    move = {"activityId": activity, "sourceEntityTypeId": 2, "sourceEntityId": deal}
    assert (
        limited.error(
            "crm.activity.binding.move", {**move, "targetEntityTypeId": 2, "targetEntityId": new_deal}
        )[1]
        == denied
    )


def test_the_activitys_own_rights_come_first(portal: PortalClient) -> None:
    """Changing bindings changes the activity: the caller must see it and may edit its owner, as for
    crm.activity.update, before the items' rights are looked at (the vendor's controller checks the items
    alone, so a user could adopt any activity by binding it to an item of theirs)."""
    seller = portal.restricted("2:*=own")
    seller_id = seller.hook.user.id
    mine, mine_too = (
        _item(portal, "deal", ASSIGNED_BY_ID=seller_id),
        _item(portal, "deal", ASSIGNED_BY_ID=seller_id),
    )
    others = _item(portal, "deal")
    hidden = _call(portal, 2, others)
    # Seen through the seller's deal, owned by the admin's (the last deal bound owns it).
    shared = _call(portal, 2, mine)
    portal.result("crm.activity.binding.add", {"activityId": shared, "entityTypeId": 2, "entityId": others})
    assert _owner(portal, shared) == ("2", str(others))

    not_found = (400, {"error": "NOT_FOUND", "error_description": "Item was not found."})
    denied = (400, {"error": "ACCESS_DENIED", "error_description": "Access denied"})

    def move(activity: int, source: int, target: int) -> dict[str, int]:
        return {
            "activityId": activity,
            "sourceEntityTypeId": 2,
            "sourceEntityId": source,
            "targetEntityTypeId": 2,
            "targetEntityId": target,
        }

    # An activity the caller cannot see answers as one that does not exist, whatever the items.
    for method, params in (
        ("add", {"activityId": hidden, "entityTypeId": 2, "entityId": mine}),
        ("add", {"activityId": hidden, "entityTypeId": 2, "entityId": 999}),
        ("delete", {"activityId": hidden, "entityTypeId": 2, "entityId": others}),
        ("move", move(hidden, others, mine)),
        ("list", {"activityId": hidden}),
    ):
        assert seller.error(f"crm.activity.binding.{method}", params) == not_found, method
    # One it sees but may not edit is refused, even through the seller's own deals.
    for method, params in (
        ("add", {"activityId": shared, "entityTypeId": 2, "entityId": mine_too}),
        ("delete", {"activityId": shared, "entityTypeId": 2, "entityId": mine}),
        ("move", move(shared, mine, mine_too)),
    ):
        assert seller.error(f"crm.activity.binding.{method}", params) == denied, method
    # Reading is allowed: the bindings the seller may read.
    assert seller.result("crm.activity.binding.list", {"activityId": shared}) == [
        {"entityTypeId": 2, "entityId": mine}
    ]
    assert portal.result("crm.activity.binding.list", {"activityId": hidden}) == [
        {"entityTypeId": 2, "entityId": others}
    ]
    assert portal.result("crm.activity.binding.list", {"activityId": shared}) == [
        {"entityTypeId": 2, "entityId": mine},
        {"entityTypeId": 2, "entityId": others},
    ]
    # The seller's own activity is theirs to rebind.
    own = _call(seller, 2, mine)
    assert seller.result("crm.activity.binding.move", move(own, mine, mine_too)) is True
    assert (
        seller.result("crm.activity.binding.add", {"activityId": own, "entityTypeId": 2, "entityId": mine})
        is True
    )
    assert (
        seller.result(
            "crm.activity.binding.delete", {"activityId": own, "entityTypeId": 2, "entityId": mine_too}
        )
        is True
    )
    assert seller.result("crm.activity.binding.list", {"activityId": own}) == [
        {"entityTypeId": 2, "entityId": mine}
    ]


def test_an_apps_activity_is_rebound_by_that_app_alone(app_portal: PortalClient) -> None:
    """README: only the app a REST_APP activity belongs to may change it; binding methods refuse the others
    as crm.activity.update does."""
    app = install(app_portal, "http://app.test/install")
    other = install(app_portal, "http://app.test/other")
    deal, second = _item(app_portal, "deal"), _item(app_portal, "deal")
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 6, "PROVIDER_ID": "REST_APP", "SUBJECT": "App"}
    activity = int(app.api.result("crm.activity.add", {"fields": fields}))
    context = (
        403,
        {"error": "ACCESS_DENIED", "error_description": "Access denied! Application context required"},
    )
    denied = (400, {"error": "", "error_description": "Access denied."})
    assert app_portal.error("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "x"}}) == context
    assert other.api.error("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "x"}}) == denied

    add = {"activityId": activity, "entityTypeId": 2, "entityId": second}
    move = {
        "activityId": activity,
        "sourceEntityTypeId": 2,
        "sourceEntityId": deal,
        "targetEntityTypeId": 2,
        "targetEntityId": second,
    }
    assert other.api.error("crm.activity.binding.add", add) == denied
    assert app_portal.error("crm.activity.binding.add", add) == context
    assert other.api.error("crm.activity.binding.move", move) == denied
    assert app_portal.error("crm.activity.binding.move", move) == context
    assert app.api.result("crm.activity.binding.add", add) is True
    assert other.api.error("crm.activity.binding.delete", add) == denied
    assert app_portal.error("crm.activity.binding.delete", add) == context
    # Reading is no change: anyone who sees the activity lists its bindings.
    bound = [{"entityTypeId": 2, "entityId": deal}, {"entityTypeId": 2, "entityId": second}]
    assert app_portal.result("crm.activity.binding.list", {"activityId": activity}) == bound
    assert other.api.result("crm.activity.binding.list", {"activityId": activity}) == bound
    assert app.api.result("crm.activity.binding.delete", add) is True
    assert app_portal.result("crm.activity.binding.list", {"activityId": activity}) == bound[:1]


def test_move_keeps_the_link_and_emits_update(portal: PortalClient) -> None:
    first = _item(portal, "deal")
    second = _item(portal, "deal")
    activity = _call(portal, 2, first)
    before = len(
        portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/events", headers=ADMIN).json()["result"]
    )
    move = {
        "activityId": activity,
        "sourceEntityTypeId": 2,
        "sourceEntityId": first,
        "targetEntityTypeId": 2,
        "targetEntityId": second,
    }
    assert portal.result("crm.activity.binding.move", move) is True
    assert _owner(portal, activity) == ("2", str(second))
    assert _timeline(portal, 2, first) == [] and _timeline(portal, 2, second) == [str(activity)]
    events = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/events", headers=ADMIN).json()[
        "result"
    ]
    assert [(e["event"], e["data"]) for e in events[before:]] == [
        ("ONCRMACTIVITYUPDATE", {"FIELDS": {"ID": activity}})
    ]
    # The change is the mover's, as the vendor's update records it.
    other = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Mover", admin=True)
    back = {**move, "sourceEntityId": second, "targetEntityId": first}
    assert portal.with_webhook(other.id, ("crm",)).result("crm.activity.binding.move", back) is True
    assert portal.result("crm.activity.get", {"id": activity})["EDITOR_ID"] == str(other.id)


def test_more_than_a_hundred_bindings_are_trimmed(portal: PortalClient) -> None:
    contacts = [
        int(i)
        for i in portal.result(
            "batch", {"cmd": {f"c{n}": f"crm.contact.add?fields[NAME]=C{n}" for n in range(50)}}
        )["result"].values()
    ]
    contacts += [
        int(i)
        for i in portal.result(
            "batch", {"cmd": {f"c{n}": f"crm.contact.add?fields[NAME]=D{n}" for n in range(50)}}
        )["result"].values()
    ]
    deal = _item(portal, "deal")
    activity = _call(portal, 2, deal)
    commands = {
        f"b{n}": f"crm.activity.binding.add?activityId={activity}&entityTypeId=3&entityId={c}"
        for n, c in enumerate(contacts[:50])
    }
    portal.result("batch", {"cmd": commands})
    commands = {
        f"b{n}": f"crm.activity.binding.add?activityId={activity}&entityTypeId=3&entityId={c}"
        for n, c in enumerate(contacts[50:])
    }
    portal.result("batch", {"cmd": commands})
    bound = portal.result("crm.activity.binding.list", {"activityId": activity})
    # 101 bindings asked for: sorted by owner ID, highest first, the first 100 stay (the vendor's trim).
    # Contact 1 and the deal share the lowest ID; the deal came first and stays.
    assert len(bound) == 100
    assert {"entityTypeId": 2, "entityId": deal} in bound and deal == 1
    assert {"entityTypeId": 3, "entityId": 1} not in bound
    assert {"entityTypeId": 3, "entityId": 100} in bound


def test_transfer_between_entities_how_to(portal: PortalClient) -> None:
    """reference crm.md §11: move within a type; across types add first, then delete; the reverse order
    hits LAST_BINDING_CANNOT_BE_DELETED; timelines follow."""
    lead = _item(portal, "lead")
    deal_a = _item(portal, "deal")
    deal_b = _item(portal, "deal")
    todo = portal.result(
        "crm.activity.todo.add",
        {"ownerTypeId": 2, "ownerId": deal_a, "deadline": "2026-08-19T15:00:00", "title": "Follow up"},
    )["id"]
    # 1. Between two deals: move.
    portal.result(
        "crm.activity.binding.move",
        {
            "activityId": todo,
            "sourceEntityTypeId": 2,
            "sourceEntityId": deal_a,
            "targetEntityTypeId": 2,
            "targetEntityId": deal_b,
        },
    )
    assert _timeline(portal, 2, deal_a) == [] and _timeline(portal, 2, deal_b) == [str(todo)]
    # 2. From the deal to a lead: deleting first is refused, adding first then deleting works.
    assert (
        portal.error(
            "crm.activity.binding.delete", {"activityId": todo, "entityTypeId": 2, "entityId": deal_b}
        )[1]["error"]
        == "LAST_BINDING_CANNOT_BE_DELETED"
    )
    portal.result("crm.activity.binding.add", {"activityId": todo, "entityTypeId": 1, "entityId": lead})
    assert _timeline(portal, 1, lead) == [str(todo)] and _timeline(portal, 2, deal_b) == [str(todo)]
    portal.result("crm.activity.binding.delete", {"activityId": todo, "entityTypeId": 2, "entityId": deal_b})
    assert _owner(portal, todo) == ("1", str(lead))
    assert _timeline(portal, 2, deal_b) == [] and _timeline(portal, 1, lead) == [str(todo)]
    # The primary-owner filter of the how-to finds it under the lead now.
    rows = portal.result(
        "crm.activity.list", {"filter": {"OWNER_TYPE_ID": 1, "OWNER_ID": lead}, "select": ["ID"]}
    )
    assert rows == [{"ID": str(todo)}]
    # 3. Deleting the lead deletes the activity bound to it alone.
    portal.result("crm.lead.delete", {"id": lead})
    assert portal.error("crm.activity.get", {"id": todo}) == (
        400,
        {"error": "", "error_description": "Activity is not found."},
    )


def test_the_real_clients(runtime: Runtime, portal: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A todo created by b24pysdk's call_method, a binding moved by fast-bitrix24."""
    from b24pysdk import BitrixWebhook
    from fast_bitrix24 import Bitrix

    deal_a = _item(portal, "deal")
    deal_b = _item(portal, "deal")
    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        webhook = BitrixWebhook(
            domain=base.removeprefix("https://"), webhook_token=f"{portal.hook.user.id}/{portal.hook.code}"
        )
        created = webhook.call_method(
            "crm.activity.todo.add",
            {
                "ownerTypeId": 2,
                "ownerId": deal_a,
                "deadline": "2026-09-01T10:00:00+00:00",
                "title": "From b24pysdk",
            },
        )
        todo = created["result"]["id"]
    with live_server(runtime) as (plain, _):
        bitrix = Bitrix(portal.hook.url(plain), verbose=False)
        moved = bitrix.call(
            "crm.activity.binding.move",
            {
                "activityId": todo,
                "sourceEntityTypeId": 2,
                "sourceEntityId": deal_a,
                "targetEntityTypeId": 2,
                "targetEntityId": deal_b,
            },
        )
        assert moved is True
    assert portal.result("crm.activity.binding.list", {"activityId": todo}) == [
        {"entityTypeId": 2, "entityId": deal_b}
    ]
    assert portal.result("crm.activity.get", {"id": todo})["SUBJECT"] == "From b24pysdk"
