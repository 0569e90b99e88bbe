"""crm.activity.{add,update,get,list,delete,fields,communication.fields} through HTTP, as the spec
describes them.

Sources: spec/pages/03..09 (the vendor's pages), 31..33 (events), spec/reference/core.md §1 (validation order,
messages, defaults, output), §2 (list grammar and paging), §7 (events), crm.md §2 and §11, platform.md §3.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.crm.permissions import create_role, parse_grant
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import crm_roles, tables
from b24crm.store.engine import Database
from tests.client import FORMS, PortalClient, php_query
from tests.support_activity import PHONE, add, call_on

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

# --- helpers ---------------------------------------------------------------------------------------------


def err(message: str, code: str = "") -> tuple[int, dict[str, str]]:
    """The proxy's error envelope (core.md §1): empty code, HTTP 400, no time block."""
    return 400, {"error": code, "error_description": message}


def core_err(message: str) -> tuple[int, dict[str, str]]:
    """A core CCrmActivity error: ERROR_CORE and a literal <br> (core.md §1, "Exception")."""
    return err(f"{message}<br>", "ERROR_CORE")


def new_deal(portal: PortalClient, **fields: Any) -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal", **fields}}))


def new_contact(portal: PortalClient, **fields: Any) -> int:
    return int(portal.result("crm.contact.add", {"fields": {"NAME": "Ann", "LAST_NAME": "Lee", **fields}}))


def add_many(portal: PortalClient, many: list[dict[str, Any]]) -> list[int]:
    """Adds through batch (50 commands per call) to keep the suite fast."""
    ids: list[int] = []
    for start in range(0, len(many), 50):
        chunk = many[start : start + 50]
        cmd = [f"crm.activity.add?{php_query({'fields': f})}" for f in chunk]
        answer = portal.result("batch", {"halt": 1, "cmd": cmd})
        assert answer["result_error"] == [], answer["result_error"]
        ids.extend(int(i) for i in answer["result"])
    return ids


def get(portal: PortalClient, activity_id: int) -> dict[str, Any]:
    result = portal.result("crm.activity.get", {"id": activity_id})
    assert isinstance(result, dict)
    return result


def listed_ids(portal: PortalClient, filter_: Any, **params: Any) -> list[int]:
    rows = portal.result(
        "crm.activity.list", {"filter": filter_, "order": {"ID": "ASC"}, "select": ["ID"], **params}
    )
    assert isinstance(rows, list)
    return [int(r["ID"]) for r in rows]


def bound_to(portal: PortalClient, activity_id: int) -> list[tuple[int, int]]:
    """crm.activity.binding.list, as sorted (entityTypeId, entityId) pairs (core.md, binding controller)."""
    rows = portal.result("crm.activity.binding.list", {"activityId": activity_id})
    return sorted((r["entityTypeId"], r["entityId"]) for r in rows)


def restricted_user(portal: PortalClient, *grants: str) -> tuple[PortalClient, int]:
    """A non-admin user holding one role with ``grants`` (e.g. ``"2:read=own"``), with a crm webhook."""
    runtime, portal_id = portal.runtime, portal.hook.portal.id
    user = runtime.tenancy.create_user(portal_id, name="Seller", last_name="Restricted")
    with runtime.db.write() as conn:
        role = create_role(
            conn, portal_id, name="Restricted", permissions=dict(parse_grant(g) for g in grants)
        )
        crm_roles.assign(conn, portal_id, user.id, role)
    return portal.with_webhook(user.id, ("crm",)), user.id


def second_admin(portal: PortalClient) -> tuple[PortalClient, int]:
    user = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Other", admin=True)
    return portal.with_webhook(user.id, ("crm",)), user.id


def activity_events(portal: PortalClient) -> list[tuple[str, Any]]:
    """This portal's activity events in the outbox, oldest first, read through the admin inspection API."""
    response = portal.http.get(
        f"/_b24crm/portals/{portal.hook.portal.id}/events",
        headers={"Authorization": f"Bearer {portal.runtime.admin_token}"},
    )
    assert response.status_code == 200, response.text
    rows = response.json()["result"]
    return [(r["event"], r["data"]) for r in rows if r["event"].startswith("ONCRMACTIVITY")]


def stored_rows(portal: PortalClient, table: sa.Table, activity_id: int) -> int:
    with portal.runtime.db.read() as conn:
        return len(
            conn.execute(
                sa.select(table.c.activity_id).where(
                    table.c.portal_id == portal.hook.portal.id, table.c.activity_id == activity_id
                )
            ).all()
        )


@pytest.fixture
def clocked(settings: Settings, database: Database, clock: ManualClock) -> Iterator[PortalClient]:
    """A portal in Europe/Berlin served by a runtime on the manual clock (2026-01-01T00:00:00Z)."""
    runtime = Runtime(settings, clock=clock, db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield PortalClient.create(runtime, client, scopes=("crm", "user"), time_zone="Europe/Berlin")


# --- the main round trip, in every input form -------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_round_trip(portal: PortalClient, form: str) -> None:
    me = str(portal.hook.user.id)
    deal_id = new_deal(portal)
    body = portal.call(
        "crm.activity.add",
        {
            "fields": call_on(
                deal_id,
                SUBJECT="First call",
                START_TIME="2026-03-01T10:00:00+00:00",
                END_TIME="2026-03-01T10:30:00+00:00",
                DEADLINE="2030-01-01T00:00:00+00:00",
                PRIORITY=3,
                DIRECTION=2,
                DESCRIPTION="Important call",
                DESCRIPTION_TYPE=3,
                SETTINGS={"MESSAGE_FROM": "Me <me@example.com>"},
                PROVIDER_PARAMS={"KEY": "value"},
            )
        },
        form=form,
    )
    assert list(body) == ["result", "time"]
    activity_id = body["result"]
    assert isinstance(activity_id, int) and not isinstance(activity_id, bool) and activity_id > 0

    got = portal.result("crm.activity.get", {"id": activity_id}, form=form)
    assert got["ID"] == str(activity_id)
    assert (got["OWNER_TYPE_ID"], got["OWNER_ID"], got["TYPE_ID"]) == ("2", str(deal_id), "2")
    assert (got["SUBJECT"], got["DESCRIPTION"], got["DESCRIPTION_TYPE"]) == (
        "First call",
        "Important call",
        "3",
    )
    assert (got["START_TIME"], got["END_TIME"]) == ("2026-03-01T10:00:00+00:00", "2026-03-01T10:30:00+00:00")
    assert got["DEADLINE"] != "2030-01-01T00:00:00+00:00"  # never taken from input
    assert (got["PRIORITY"], got["DIRECTION"], got["COMPLETED"], got["STATUS"]) == ("3", "2", "N", "1")
    assert got["RESPONSIBLE_ID"] == got["AUTHOR_ID"] == got["EDITOR_ID"] == me
    assert got["SETTINGS"] == {"MESSAGE_FROM": "Me <me@example.com>"}
    assert got["PROVIDER_PARAMS"] == {"KEY": "value"}
    assert "COMMUNICATIONS" not in got and "BINDINGS" not in got

    assert (
        portal.result(
            "crm.activity.update",
            {"id": activity_id, "fields": {"SUBJECT": "Renamed", "COMPLETED": "Y"}},
            form=form,
        )
        is True
    )
    got = portal.result("crm.activity.get", {"id": activity_id}, form=form)
    assert (got["SUBJECT"], got["COMPLETED"], got["STATUS"]) == ("Renamed", "Y", "2")

    page = portal.call(
        "crm.activity.list",
        {"filter": {"ID": activity_id}, "select": ["ID", "SUBJECT", "COMMUNICATIONS"]},
        form=form,
    )
    assert page["total"] == 1 and "next" not in page
    (row,) = page["result"]
    assert (row["ID"], row["SUBJECT"]) == (str(activity_id), "Renamed")
    (comm,) = row["COMMUNICATIONS"]
    assert (comm["TYPE"], comm["VALUE"], comm["ENTITY_TYPE_ID"], comm["ENTITY_ID"]) == (
        "PHONE",
        PHONE,
        "2",
        str(deal_id),
    )

    assert portal.result("crm.activity.delete", {"id": activity_id}, form=form) is True
    assert portal.error("crm.activity.get", {"id": activity_id}, form=form) == err("Activity is not found.")


# --- fields ---------------------------------------------------------------------------------------------

# crm.activity.fields as documented (spec/pages/08-crm.activity.fields.txt, "Response Handling"):
# name, type, required, read-only, immutable, multiple, title, extra keys; in the documented order.
DOCUMENTED_FIELDS: list[tuple[str, str, bool, bool, bool, bool, str, dict[str, Any]]] = [
    ("ID", "integer", False, True, False, False, "ID", {}),
    ("OWNER_ID", "integer", False, False, True, False, "Owner ID", {}),
    ("OWNER_TYPE_ID", "crm_enum_ownertype", False, False, True, False, "Owner Type", {}),
    ("TYPE_ID", "crm_enum_activitytype", True, False, True, False, "Type", {}),
    ("PROVIDER_ID", "string", False, False, False, False, "Provider ID", {}),
    ("PROVIDER_TYPE_ID", "string", False, False, False, False, "Provider Type", {}),
    ("PROVIDER_GROUP_ID", "string", False, False, False, False, "Connector Type", {}),
    ("ASSOCIATED_ENTITY_ID", "integer", False, True, False, False, "Associated Entity ID", {}),
    ("SUBJECT", "string", True, False, False, False, "Subject", {}),
    ("START_TIME", "datetime", False, False, False, False, "Start", {}),
    ("END_TIME", "datetime", False, False, False, False, "Deadline", {}),
    ("DEADLINE", "datetime", False, False, False, False, "Execution Deadline", {}),
    ("COMPLETED", "char", False, False, False, False, "Completed", {}),
    ("STATUS", "crm_enum_activitystatus", False, False, False, False, "Status", {}),
    ("RESPONSIBLE_ID", "user", True, False, False, False, "Responsible", {}),
    ("PRIORITY", "crm_enum_activitypriority", False, False, False, False, "Priority", {}),
    ("NOTIFY_TYPE", "crm_enum_activitynotifytype", False, False, False, False, "Notification Type", {}),
    ("NOTIFY_VALUE", "integer", False, False, False, False, "Notification Parameter", {}),
    ("DESCRIPTION", "string", False, False, False, False, "Description", {}),
    ("DESCRIPTION_TYPE", "crm_enum_contenttype", False, False, False, False, "Description Type", {}),
    ("DIRECTION", "crm_enum_activitydirection", False, False, False, False, "Direction", {}),
    ("LOCATION", "string", False, False, False, False, "Location", {}),
    ("CREATED", "datetime", False, True, False, False, "Creation Date", {}),
    ("AUTHOR_ID", "user", False, True, False, False, "Created By", {}),
    ("LAST_UPDATED", "datetime", False, True, False, False, "Last Updated Date", {}),
    ("EDITOR_ID", "user", False, True, False, False, "Edited By", {}),
    ("SETTINGS", "object", False, False, False, False, "Settings", {}),
    ("ORIGIN_ID", "string", False, False, False, False, "External Code", {}),
    ("ORIGINATOR_ID", "string", False, False, False, False, "External Source", {}),
    ("RESULT_STATUS", "integer", False, False, False, False, "RESULT_STATUS", {}),
    ("RESULT_STREAM", "integer", False, False, False, False, "RESULT_STREAM", {}),
    ("RESULT_SOURCE_ID", "string", False, False, False, False, "RESULT_SOURCE_ID", {}),
    ("PROVIDER_PARAMS", "object", False, False, False, False, "Provider Parameters", {}),
    ("PROVIDER_DATA", "string", False, False, False, False, "Provider Data", {}),
    ("RESULT_MARK", "integer", False, False, False, False, "RESULT_MARK", {}),
    ("RESULT_VALUE", "double", False, False, False, False, "RESULT_VALUE", {}),
    ("RESULT_SUM", "double", False, False, False, False, "RESULT_SUM", {}),
    ("RESULT_CURRENCY_ID", "string", False, False, False, False, "RESULT_CURRENCY_ID", {}),
    ("AUTOCOMPLETE_RULE", "integer", False, False, False, False, "Autocomplete", {}),
    ("BINDINGS", "crm_activity_binding", False, True, False, True, "Bindings", {}),
    ("COMMUNICATIONS", "crm_activity_communication", True, False, False, True, "Communication Channel", {}),
    ("FILES", "diskfile", False, False, False, True, "Files", {}),
    ("WEBDAV_ELEMENTS", "diskfile", False, False, False, True, "Added Files", {"isDeprecated": True}),
    ("IS_INCOMING_CHANNEL", "char", False, True, False, False, "IS_INCOMING_CHANNEL", {}),
]

# crm-activity-communication-fields.md, newest English revision (older ones: Activity, Entity ID)
DOCUMENTED_COMMUNICATION_FIELDS = [
    ("ID", True, "ID"),
    ("ACTIVITY_ID", True, "Case"),
    ("ENTITY_ID", False, "Entity element ID"),
    ("ENTITY_TYPE_ID", False, "Entity type"),
    ("TYPE", False, "Type"),
    ("VALUE", False, "Value"),
]


def _entry(kind: str, required: bool, read_only: bool, immutable: bool, multiple: bool) -> dict[str, Any]:
    return {
        "type": kind,
        "isRequired": required,
        "isReadOnly": read_only,
        "isImmutable": immutable,
        "isMultiple": multiple,
        "isDynamic": False,
    }


def test_fields_snapshot(portal: PortalClient) -> None:
    expected = {
        name: {**_entry(kind, req, ro, imm, mult), **extra, "title": title}
        for name, kind, req, ro, imm, mult, title, extra in DOCUMENTED_FIELDS
    }
    answer = portal.result("crm.activity.fields")
    assert list(answer) == list(expected)
    assert answer == expected
    for name, entry in expected.items():
        assert list(answer[name]) == list(entry), name  # isDeprecated sits before title


def test_communication_fields_snapshot(portal: PortalClient) -> None:
    expected = {
        name: {
            **_entry("integer" if name.endswith("ID") else "string", False, ro, False, False),
            "title": title,
        }
        for name, ro, title in DOCUMENTED_COMMUNICATION_FIELDS
    }
    answer = portal.result("crm.activity.communication.fields")
    assert list(answer) == list(expected)
    assert answer == expected
    assert all(list(answer[k]) == list(v) for k, v in expected.items())


# --- get: the whole object ------------------------------------------------------------------------------

# The key order of the docs' example (spec/pages/05-crm.activity.get.txt).
GET_KEYS = [
    "ID",
    "OWNER_ID",
    "OWNER_TYPE_ID",
    "TYPE_ID",
    "PROVIDER_ID",
    "PROVIDER_TYPE_ID",
    "PROVIDER_GROUP_ID",
    "ASSOCIATED_ENTITY_ID",
    "SUBJECT",
    "CREATED",
    "LAST_UPDATED",
    "START_TIME",
    "END_TIME",
    "DEADLINE",
    "COMPLETED",
    "STATUS",
    "RESPONSIBLE_ID",
    "PRIORITY",
    "NOTIFY_TYPE",
    "NOTIFY_VALUE",
    "DESCRIPTION",
    "DESCRIPTION_TYPE",
    "DIRECTION",
    "LOCATION",
    "SETTINGS",
    "ORIGINATOR_ID",
    "ORIGIN_ID",
    "AUTHOR_ID",
    "EDITOR_ID",
    "PROVIDER_PARAMS",
    "PROVIDER_DATA",
    "RESULT_MARK",
    "RESULT_VALUE",
    "RESULT_SUM",
    "RESULT_CURRENCY_ID",
    "RESULT_STATUS",
    "RESULT_STREAM",
    "RESULT_SOURCE_ID",
    "AUTOCOMPLETE_RULE",
]


def test_get_snapshot_on_the_manual_clock(clocked: PortalClient, clock: ManualClock) -> None:
    portal = clocked
    me = str(portal.hook.user.id)
    deal_id = new_deal(portal)
    activity_id = add(
        portal,
        call_on(
            deal_id,
            START_TIME="2026-01-05T09:00:00+00:00",
            END_TIME="2026-01-05T09:30:00+00:00",
            CREATED="2020-01-01T00:00:00+00:00",  # read-only: ignored
            AUTHOR_ID=999,
            NOTIFY_VALUE=15,  # NOTIFY_TYPE defaults to 0, which forces NOTIFY_VALUE to 0
        ),
    )
    got = get(portal, activity_id)
    assert list(got) == GET_KEYS
    # Not stated by the spec for a plain call: which provider the server files it under, and the DEADLINE
    # a call derives (docs: from START_TIME for calls and meetings; never the input).
    assert isinstance(got["PROVIDER_ID"], str) and isinstance(got["PROVIDER_TYPE_ID"], str)
    assert got["DEADLINE"] in ("", got["START_TIME"])
    normalised = {**got, "PROVIDER_ID": "<p>", "PROVIDER_TYPE_ID": "<t>", "DEADLINE": "<d>"}
    created = "2026-01-01T01:00:00+01:00"  # the manual clock's start, in the portal's zone
    assert normalised == {
        "ID": str(activity_id),
        "OWNER_ID": str(deal_id),
        "OWNER_TYPE_ID": "2",
        "TYPE_ID": "2",
        "PROVIDER_ID": "<p>",
        "PROVIDER_TYPE_ID": "<t>",
        "PROVIDER_GROUP_ID": None,
        "ASSOCIATED_ENTITY_ID": "0",
        "SUBJECT": "Call",
        "CREATED": created,
        "LAST_UPDATED": created,
        "START_TIME": "2026-01-05T10:00:00+01:00",
        "END_TIME": "2026-01-05T10:30:00+01:00",
        "DEADLINE": "<d>",
        "COMPLETED": "N",
        "STATUS": "1",
        "RESPONSIBLE_ID": me,
        "PRIORITY": "1",
        "NOTIFY_TYPE": "0",
        "NOTIFY_VALUE": "0",
        "DESCRIPTION": "",
        "DESCRIPTION_TYPE": "1",
        "DIRECTION": "0",
        "LOCATION": "",
        "SETTINGS": [],
        "ORIGINATOR_ID": None,
        "ORIGIN_ID": None,
        "AUTHOR_ID": me,
        "EDITOR_ID": me,
        "PROVIDER_PARAMS": [],
        "PROVIDER_DATA": None,
        "RESULT_MARK": "0",
        "RESULT_VALUE": None,
        "RESULT_SUM": None,
        "RESULT_CURRENCY_ID": None,
        "RESULT_STATUS": "0",
        "RESULT_STREAM": "0",
        "RESULT_SOURCE_ID": None,
        "AUTOCOMPLETE_RULE": "0",
    }

    # An update a minute later by another user: LAST_UPDATED and EDITOR_ID move, CREATED and AUTHOR_ID stay.
    other, other_id = second_admin(portal)
    clock.advance(60)
    assert other.result("crm.activity.update", {"id": activity_id, "fields": {"LOCATION": "Room 1"}}) is True
    after = get(portal, activity_id)
    assert (after["CREATED"], after["AUTHOR_ID"]) == (created, me)
    assert (after["LAST_UPDATED"], after["EDITOR_ID"]) == ("2026-01-01T01:01:00+01:00", str(other_id))
    assert after["LOCATION"] == "Room 1" and after["RESPONSIBLE_ID"] == me


def test_values_are_strings_or_null_and_dates_carry_the_portal_offset(
    runtime: Runtime, http: TestClient
) -> None:
    portal = PortalClient.create(runtime, http, scopes=("crm",), time_zone="Europe/Berlin")
    activity_id = add(portal, call_on(new_deal(portal), START_TIME="2026-07-01T10:00:00+00:00"))
    got = get(portal, activity_id)
    for key, value in got.items():
        if key in ("SETTINGS", "PROVIDER_PARAMS"):
            assert value == [], key
        else:
            assert value is None or isinstance(value, str), (key, value)
    assert (
        got["START_TIME"] == got["END_TIME"] == "2026-07-01T12:00:00+02:00"
    )  # END_TIME defaults to START_TIME
    assert got["CREATED"] == got["LAST_UPDATED"]
    assert ISO.match(got["CREATED"])
    created = datetime.fromisoformat(got["CREATED"])
    assert created.utcoffset() == created.astimezone(ZoneInfo("Europe/Berlin")).utcoffset()
    assert abs(created.timestamp() - datetime.now().timestamp()) < 120


def test_end_time_alone_gives_the_start_time_and_bad_dates_are_dropped(portal: PortalClient) -> None:
    deal_id = new_deal(portal)
    only_end = get(portal, add(portal, call_on(deal_id, END_TIME="2026-05-01T08:00:00+00:00")))
    assert only_end["START_TIME"] == only_end["END_TIME"] == "2026-05-01T08:00:00+00:00"
    bad = get(portal, add(portal, call_on(deal_id, START_TIME="not a date at all")))
    assert (bad["START_TIME"], bad["END_TIME"]) == ("", "")  # an unparsable value drops the field silently


# --- add: defaults and derived values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "flag", "status"),
    [(None, "N", "1"), ("N", "N", "1"), ("Y", "Y", "2"), ("1", "Y", "2"), ("2", "Y", "2"), ("0", "N", "1")],
)
def test_completed_gives_the_status(
    portal: PortalClient, completed: str | None, flag: str, status: str
) -> None:
    extra = {} if completed is None else {"COMPLETED": completed}
    got = get(portal, add(portal, call_on(new_deal(portal), **extra)))
    assert (got["COMPLETED"], got["STATUS"]) == (flag, status)


def test_notify_type_keeps_its_value(portal: PortalClient) -> None:
    got = get(portal, add(portal, call_on(new_deal(portal), NOTIFY_TYPE=1, NOTIFY_VALUE=15)))
    assert (got["NOTIFY_TYPE"], got["NOTIFY_VALUE"]) == ("1", "15")


def test_notify_type_without_a_value_is_a_core_error(portal: PortalClient) -> None:
    fields = call_on(new_deal(portal), NOTIFY_TYPE=1)
    assert portal.error("crm.activity.add", {"fields": fields}) == core_err("NOTIFY_VALUE is not assigned.")


def test_responsible_falls_back_to_the_owners_assignee_then_the_caller(portal: PortalClient) -> None:
    me = str(portal.hook.user.id)
    seller = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    deal_id = new_deal(portal, ASSIGNED_BY_ID=seller.id)
    from_owner = get(portal, add(portal, call_on(deal_id)))
    assert (from_owner["RESPONSIBLE_ID"], from_owner["AUTHOR_ID"], from_owner["EDITOR_ID"]) == (
        str(seller.id),
        me,
        me,
    )
    explicit = get(portal, add(portal, call_on(deal_id, RESPONSIBLE_ID=portal.hook.user.id)))
    assert explicit["RESPONSIBLE_ID"] == me
    # No owner given: the contact of the communication becomes the owner, but its assignee is not consulted.
    contact_id = new_contact(portal, ASSIGNED_BY_ID=seller.id)
    no_owner = get(
        portal,
        add(
            portal,
            {
                "TYPE_ID": 2,
                "SUBJECT": "Call",
                "COMMUNICATIONS": [{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}],
            },
        ),
    )
    assert no_owner["RESPONSIBLE_ID"] == me
    assert (no_owner["OWNER_TYPE_ID"], no_owner["OWNER_ID"]) == ("3", str(contact_id))


def test_owner_is_derived_from_the_bindings(portal: PortalClient) -> None:
    """The last binding that is not a contact or company, else the first (core.md §1, owner derivation)."""
    deal_id, first, second = new_deal(portal), new_contact(portal), new_contact(portal, NAME="Bob")

    def email(*entities: tuple[int, int]) -> dict[str, Any]:
        return {
            "TYPE_ID": 4,
            "SUBJECT": "Mail",
            "DIRECTION": 2,
            "COMMUNICATIONS": [
                {"VALUE": f"x{i}@example.com", "ENTITY_TYPE_ID": t, "ENTITY_ID": e}
                for i, (t, e) in enumerate(entities)
            ],
        }

    mixed = get(portal, add(portal, email((3, first), (2, deal_id), (3, second))))
    assert (mixed["OWNER_TYPE_ID"], mixed["OWNER_ID"]) == ("2", str(deal_id))
    contacts_only = get(portal, add(portal, email((3, second), (3, first))))
    assert (contacts_only["OWNER_TYPE_ID"], contacts_only["OWNER_ID"]) == ("3", str(second))


def test_communications_are_internalised_per_type(portal: PortalClient) -> None:
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    # A call with a communication of the wrong TYPE: that one is dropped, the other one stays.
    call_id = add(
        portal,
        call_on(
            deal_id,
            COMMUNICATIONS=[
                {"VALUE": "ann@example.com", "TYPE": "EMAIL", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id},
                {"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id},
            ],
        ),
    )
    email_id = add(
        portal,
        {
            "OWNER_TYPE_ID": 2,
            "OWNER_ID": deal_id,
            "TYPE_ID": 4,
            "SUBJECT": "Mail",
            "COMMUNICATIONS": [
                {"VALUE": "ann@example.com", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id},
                {"VALUE": "deal@example.com"},
                {"VALUE": PHONE, "TYPE": "PHONE"},
            ],
        },
    )
    # A meeting keeps TYPE empty and may name a person without a VALUE.
    meeting_id = add(
        portal,
        {
            "OWNER_TYPE_ID": 2,
            "OWNER_ID": deal_id,
            "TYPE_ID": 1,
            "SUBJECT": "Meet",
            "COMMUNICATIONS": [{"ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}],
        },
    )
    rows = portal.result(
        "crm.activity.list",
        {
            "filter": {"@ID": [call_id, email_id, meeting_id]},
            "order": {"ID": "ASC"},
            "select": ["COMMUNICATIONS"],
        },
    )
    assert [set(r) for r in rows] == [{"ID", "COMMUNICATIONS"}] * 3

    def summary(row: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        for comm in row["COMMUNICATIONS"]:
            assert list(comm) == ["ID", "TYPE", "VALUE", "ENTITY_ID", "ENTITY_TYPE_ID", "ENTITY_SETTINGS"]
            assert all(
                isinstance(comm[k], str) for k in ("ID", "TYPE", "VALUE", "ENTITY_ID", "ENTITY_TYPE_ID")
            )
            assert isinstance(comm["ENTITY_SETTINGS"], (list, dict))
        return [(c["TYPE"], c["VALUE"], c["ENTITY_TYPE_ID"], c["ENTITY_ID"]) for c in row["COMMUNICATIONS"]]

    assert summary(rows[0]) == [("PHONE", PHONE, "3", str(contact_id))]
    assert summary(rows[1]) == [
        ("EMAIL", "ann@example.com", "3", str(contact_id)),
        ("EMAIL", "deal@example.com", "2", str(deal_id)),
    ]
    assert summary(rows[2]) == [("", "", "3", str(contact_id))]
    # Each surviving communication added a binding: the contact is now bound to all three.
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": contact_id}]}) == [
        call_id,
        email_id,
        meeting_id,
    ]


def test_communication_entity_settings_of_a_contact(portal: PortalClient) -> None:
    """ENTITY_SETTINGS as in the docs' COMMUNICATIONS example (pages/06, crm.md §2.3), all strings."""
    company_id = int(portal.result("crm.company.add", {"fields": {"TITLE": "Ltd. Fusion"}}))
    with_company = new_contact(portal, NAME="Ann", LAST_NAME="Lee", COMPANY_ID=company_id)
    alone = new_contact(portal, NAME="Bob", LAST_NAME="Ray")
    activity_id = add(
        portal,
        {
            "TYPE_ID": 4,
            "SUBJECT": "Mail",
            "COMMUNICATIONS": [
                {"VALUE": "ann@example.com", "ENTITY_TYPE_ID": 3, "ENTITY_ID": with_company},
                {"VALUE": "bob@example.com", "ENTITY_TYPE_ID": 3, "ENTITY_ID": alone},
            ],
        },
    )
    (row,) = portal.result(
        "crm.activity.list", {"filter": {"ID": activity_id}, "select": ["*", "COMMUNICATIONS"]}
    )
    first, second = (c["ENTITY_SETTINGS"] for c in row["COMMUNICATIONS"])
    assert first == {
        "HONORIFIC": "",
        "NAME": "Ann",
        "SECOND_NAME": "",
        "LAST_NAME": "Lee",
        "COMPANY_TITLE": "Ltd. Fusion",
        "COMPANY_ID": str(company_id),
    }
    assert {k: second[k] for k in ("HONORIFIC", "NAME", "SECOND_NAME", "LAST_NAME")} == {
        "HONORIFIC": "",
        "NAME": "Bob",
        "SECOND_NAME": "",
        "LAST_NAME": "Ray",
    }


def test_other_values_come_back_as_strings(portal: PortalClient) -> None:
    """Raw DB values stay strings (core.md §1 "Output formatting")."""
    fields = call_on(
        new_deal(portal),
        RESULT_SUM="12.5",
        RESULT_VALUE=3,
        RESULT_CURRENCY_ID="USD",
        RESULT_MARK=2,
        RESULT_STATUS=1,
        RESULT_STREAM=4,
        RESULT_SOURCE_ID="src",
        ORIGIN_ID="ext-1",
        ORIGINATOR_ID="erp",
        PROVIDER_DATA="data",
        PROVIDER_GROUP_ID="group",
        AUTOCOMPLETE_RULE=1,
    )
    got = get(portal, add(portal, fields))
    assert {k: got[k] for k in fields if k.startswith(("RESULT_", "ORIGIN", "PROVIDER_", "AUTO"))} == {
        "RESULT_SUM": "12.5",
        "RESULT_VALUE": "3",
        "RESULT_CURRENCY_ID": "USD",
        "RESULT_MARK": "2",
        "RESULT_STATUS": "1",
        "RESULT_STREAM": "4",
        "RESULT_SOURCE_ID": "src",
        "ORIGIN_ID": "ext-1",
        "ORIGINATOR_ID": "erp",
        "PROVIDER_DATA": "data",
        "PROVIDER_GROUP_ID": "group",
        "AUTOCOMPLETE_RULE": "1",
    }


def test_read_only_fields_are_dropped_on_add(portal: PortalClient) -> None:
    activity_id = add(
        portal,
        call_on(
            new_deal(portal),
            ID=4242,
            ASSOCIATED_ENTITY_ID=77,
            EDITOR_ID=999,
            LAST_UPDATED="2001-01-01T00:00:00+00:00",
            IS_INCOMING_CHANNEL="Y",
            NOT_A_FIELD="x",
        ),
    )
    assert activity_id != 4242
    got = get(portal, activity_id)
    assert got["ASSOCIATED_ENTITY_ID"] == "0" and got["EDITOR_ID"] == str(portal.hook.user.id)
    assert not got["LAST_UPDATED"].startswith("2001")
    (row,) = portal.result(
        "crm.activity.list", {"filter": {"ID": activity_id}, "select": ["IS_INCOMING_CHANNEL"]}
    )
    assert row == {"ID": str(activity_id), "IS_INCOMING_CHANNEL": "N"}


def test_parameter_names_are_resolved_in_the_vendors_forms(portal: PortalClient) -> None:
    deal_id = new_deal(portal)
    upper = portal.result("crm.activity.add", {"FIELDS": call_on(deal_id, SUBJECT="Upper")})
    title = portal.result("crm.activity.add", {"Fields": call_on(deal_id, SUBJECT="Title")})
    assert portal.result("crm.activity.get", {"ID": upper})["SUBJECT"] == "Upper"
    assert portal.result("crm.activity.get", {"id": str(title)})["SUBJECT"] == "Title"


# --- add: the exact order of checks (core.md §1 "crm.activity.add: exact order") ------------------------

TASK_MESSAGE = 'The activity type "Task is not supported in current context".'
NO_BINDING = (
    "Could not build binding. Please ensure that owner info and communications are defined correctly."
)
NO_COMMUNICATIONS = "The field COMMUNICATIONS is not defined or invalid."
ONLY_ONE = "The only one communication is allowed for activity of specified type."

ADD_ERRORS: list[tuple[str, Any, str]] = [
    ("no fields", lambda d, c: {}, "The field SUBJECT is not defined or empty."),
    (
        "blank subject before a bad type",
        lambda d, c: {"SUBJECT": "  ", "TYPE_ID": 99},
        "The field SUBJECT is not defined or empty.",
    ),
    (
        "subject missing",
        lambda d, c: {**call_on(d), "SUBJECT": ""},
        "The field SUBJECT is not defined or empty.",
    ),
    (
        "no type",
        lambda d, c: {"SUBJECT": "x", "OWNER_TYPE_ID": 2, "OWNER_ID": d},
        "The field TYPE_ID is not defined or invalid.",
    ),
    ("unknown type", lambda d, c: call_on(d, TYPE_ID=99), "The field TYPE_ID is not defined or invalid."),
    (
        "bad type before missing communications",
        lambda d, c: {"SUBJECT": "x", "TYPE_ID": 7},
        "The field TYPE_ID is not defined or invalid.",
    ),
    ("task", lambda d, c: call_on(d, TYPE_ID=3), TASK_MESSAGE),
    (
        "activity",
        lambda d, c: call_on(d, TYPE_ID=5),
        'The activity type "Activity is not supported in current context".',
    ),
    (
        "provider type without provider",
        lambda d, c: call_on(d, TYPE_ID=6),
        "The custom activity without provider is not supported in current context.",
    ),
    (
        "unknown provider",
        lambda d, c: call_on(d, TYPE_ID=6, PROVIDER_ID="NO_SUCH_PROVIDER"),
        "The custom activity without provider is not supported in current context.",
    ),
    (
        "configurable",
        lambda d, c: {"SUBJECT": "x", "PROVIDER_ID": "CONFIGURABLE_REST_APP"},
        "Use crm.activity.configurable.add for this activity provider",
    ),
    (
        "rest app without app context",
        lambda d, c: {"SUBJECT": "x", "PROVIDER_ID": "REST_APP"},
        "Application context required.",
    ),
    (
        "rest app before missing owner",
        lambda d, c: {
            "SUBJECT": "x",
            "TYPE_ID": 6,
            "PROVIDER_ID": "REST_APP",
            "OWNER_TYPE_ID": 2,
            "OWNER_ID": 999,
        },
        "Application context required.",
    ),
    (
        "communications missing",
        lambda d, c: {k: v for k, v in call_on(d).items() if k != "COMMUNICATIONS"},
        NO_COMMUNICATIONS,
    ),
    ("communications empty", lambda d, c: call_on(d, COMMUNICATIONS=[]), NO_COMMUNICATIONS),
    ("communications before owner lookup", lambda d, c: call_on(999, COMMUNICATIONS=[]), NO_COMMUNICATIONS),
    (
        "call with an e-mail",
        lambda d, c: call_on(d, COMMUNICATIONS=[{"VALUE": "a@b.io", "TYPE": "EMAIL"}]),
        NO_COMMUNICATIONS,
    ),
    (
        "call with a lower-case phone type",
        lambda d, c: call_on(d, COMMUNICATIONS=[{"VALUE": PHONE, "TYPE": "phone"}]),
        NO_COMMUNICATIONS,
    ),
    (
        "email with a phone",
        lambda d, c: call_on(d, TYPE_ID=4, COMMUNICATIONS=[{"VALUE": PHONE, "TYPE": "PHONE"}]),
        NO_COMMUNICATIONS,
    ),
    (
        "call without a value",
        lambda d, c: call_on(d, COMMUNICATIONS=[{"ENTITY_TYPE_ID": 3, "ENTITY_ID": c}]),
        NO_COMMUNICATIONS,
    ),
    (
        "no entity anywhere",
        lambda d, c: {"SUBJECT": "x", "TYPE_ID": 2, "COMMUNICATIONS": [{"VALUE": PHONE}]},
        NO_COMMUNICATIONS,
    ),
    (
        "two for a call",
        lambda d, c: call_on(
            d, COMMUNICATIONS=[{"VALUE": PHONE}, {"VALUE": "+15550101", "ENTITY_TYPE_ID": 3, "ENTITY_ID": c}]
        ),
        ONLY_ONE,
    ),
    (
        "two for a meeting",
        lambda d, c: call_on(d, TYPE_ID=1, COMMUNICATIONS=[{"VALUE": "Ann"}, {"VALUE": "Bob"}]),
        ONLY_ONE,
    ),
    (
        "provider activity without bindings",
        lambda d, c: {"SUBJECT": "x", "TYPE_ID": 6, "PROVIDER_ID": "CRM_TODO"},
        NO_BINDING,
    ),
    ("owner not found", lambda d, c: call_on(999), "Could not find 'DEAL' with ID: 999"),
    (
        "communication entity not found",
        lambda d, c: call_on(d, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": 999}]),
        "Could not find 'CONTACT' with ID: 999",
    ),
    (
        "unknown owner type",
        lambda d, c: {**call_on(d), "OWNER_TYPE_ID": 999, "OWNER_ID": 1},
        "Entity type '[999]' is not supported in current context",
    ),
]


@pytest.mark.parametrize(("case", "build", "message"), ADD_ERRORS, ids=[c[0] for c in ADD_ERRORS])
def test_add_errors(portal: PortalClient, case: str, build: Any, message: str) -> None:
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    assert portal.error("crm.activity.add", {"fields": build(deal_id, contact_id)}) == err(message)
    assert portal.result("crm.activity.list", {"select": ["ID"]}) == []
    assert activity_events(portal) == []  # nothing written, not even the event


def test_add_with_fields_that_are_not_an_array(portal: PortalClient) -> None:
    assert portal.error("crm.activity.add", {"fields": "SUBJECT"}) == err("Parameter 'fields' must be array.")


def test_add_without_any_parameters(portal: PortalClient) -> None:
    assert portal.error("crm.activity.add", {}) == err("The field SUBJECT is not defined or empty.")


@pytest.mark.parametrize("form", FORMS)
def test_add_error_in_every_form(portal: PortalClient, form: str) -> None:
    fields = call_on(new_deal(portal), TYPE_ID=3)
    assert portal.error("crm.activity.add", {"fields": fields}, form=form) == err(TASK_MESSAGE)
    fields = call_on(999)
    assert portal.error("crm.activity.add", {"fields": fields}, form=form) == err(
        "Could not find 'DEAL' with ID: 999"
    )


def test_non_scalar_values_are_cast(portal: PortalClient) -> None:
    """(int) for integer fields, (string) for string fields (core.md §1, field internalisation)."""
    fields = call_on(new_deal(portal), NOTIFY_TYPE=1, NOTIFY_VALUE=[15], LOCATION=["room"])
    got = get(portal, add(portal, fields))
    assert (got["NOTIFY_VALUE"], got["LOCATION"]) == ("1", "Array")


def test_empty_datetime_is_kept_empty(portal: PortalClient) -> None:
    got = get(portal, add(portal, call_on(new_deal(portal), START_TIME="", END_TIME="")))
    # The DEADLINE of an activity without a time is not stated by the spec (the vendor keeps a far date).
    assert (got["START_TIME"], got["END_TIME"]) == ("", "")


def test_email_may_carry_several_communications(portal: PortalClient) -> None:
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    fields = call_on(
        deal_id,
        TYPE_ID=4,
        COMPLETED="N",
        DIRECTION=2,
        COMMUNICATIONS=[
            {"VALUE": "a@example.com"},
            {"VALUE": "b@example.com", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id},
        ],
    )
    activity_id = add(portal, fields)
    assert get(portal, activity_id)["TYPE_ID"] == "4"


def test_only_a_completed_outgoing_email_is_sent(portal: PortalClient) -> None:
    """TYPE_ID 4 + DIRECTION 2 + COMPLETED Y in one request sends; otherwise stored silently (crm.md §2.2)."""
    deal_id, contact_id = new_deal(portal), new_contact(portal)

    def email(**extra: Any) -> dict[str, Any]:
        return call_on(
            deal_id,
            TYPE_ID=4,
            SUBJECT="Offer",
            DESCRIPTION="Hello",
            SETTINGS={"MESSAGE_FROM": "Sales <sales@example.com>"},
            COMMUNICATIONS=[{"VALUE": "ann@example.com", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}],
            **extra,
        )

    def mail() -> list[dict[str, Any]]:
        response = portal.http.get(
            f"/_b24crm/portals/{portal.hook.portal.id}/mail",
            headers={"Authorization": f"Bearer {portal.runtime.admin_token}"},
        )
        assert response.status_code == 200, response.text
        return list(response.json()["result"])

    add(portal, email(DIRECTION=2, COMPLETED="N"))
    add(portal, email(DIRECTION=1, COMPLETED="Y"))
    assert mail() == []
    sent = add(portal, email(DIRECTION=2, COMPLETED="Y"))
    (message,) = mail()
    assert message["activity_id"] == sent and message["subject"] == "Offer"
    assert "ann@example.com" in str(message["recipients"]) and "sales@example.com" in message["sender"]
    assert get(portal, sent)["COMPLETED"] == "Y"


# --- update ---------------------------------------------------------------------------------------------


def test_update_ignores_owner_and_type(portal: PortalClient) -> None:
    deal_id, other_deal = new_deal(portal), new_deal(portal)
    activity_id = add(portal, call_on(deal_id, START_TIME="2026-03-01T10:00:00+00:00"))
    before = get(portal, activity_id)
    assert (
        portal.result(
            "crm.activity.update",
            {
                "id": activity_id,
                "fields": {
                    "OWNER_ID": other_deal,
                    "OWNER_TYPE_ID": 3,
                    "TYPE_ID": 1,
                    "SUBJECT": "Kept owner",
                    "DEADLINE": "2031-01-01T00:00:00+00:00",
                    "PROVIDER_ID": "SOMETHING_ELSE",
                },
            },
        )
        is True
    )
    after = get(portal, activity_id)
    assert (after["OWNER_TYPE_ID"], after["OWNER_ID"], after["TYPE_ID"]) == ("2", str(deal_id), "2")
    assert after["SUBJECT"] == "Kept owner"
    assert after["DEADLINE"] == before["DEADLINE"]  # DEADLINE input is discarded on update too
    assert after["PROVIDER_ID"] == before["PROVIDER_ID"]  # TYPE_ID and PROVIDER_ID are unset by the core


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"OWNER_ID": 5, "OWNER_TYPE_ID": 3, "TYPE_ID": 1},
        {"NOT_A_FIELD": "x"},
        {"ID": 5, "CREATED": "2020-01-01"},
    ],
    ids=["empty", "immutable only", "unknown only", "read-only only"],
)
def test_update_with_nothing_left_is_a_core_error(portal: PortalClient, fields: dict[str, Any]) -> None:
    activity_id = add(portal, call_on(new_deal(portal)))
    assert portal.error("crm.activity.update", {"id": activity_id, "fields": fields}) == core_err(
        "Fields is not specified."
    )


def test_update_completed_rules(portal: PortalClient) -> None:
    activity_id = add(portal, call_on(new_deal(portal)))
    for flag, status in (("Y", "2"), ("N", "1"), ("Y", "2")):
        assert (
            portal.result("crm.activity.update", {"id": activity_id, "fields": {"COMPLETED": flag}}) is True
        )
        got = get(portal, activity_id)
        assert (got["COMPLETED"], got["STATUS"]) == (flag, status)


def test_update_responsible_and_times(portal: PortalClient) -> None:
    seller = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    activity_id = add(portal, call_on(new_deal(portal)))
    fields = {"RESPONSIBLE_ID": seller.id, "START_TIME": "2026-04-01T09:00:00+00:00", "PRIORITY": 2}
    assert portal.result("crm.activity.update", {"id": activity_id, "fields": fields}) is True
    got = get(portal, activity_id)
    assert (got["RESPONSIBLE_ID"], got["START_TIME"], got["PRIORITY"]) == (
        str(seller.id),
        "2026-04-01T09:00:00+00:00",
        "2",
    )
    assert got["AUTHOR_ID"] == str(portal.hook.user.id)


def test_update_communications_rebuild_the_bindings(portal: PortalClient) -> None:
    deal_id, first, second = new_deal(portal), new_contact(portal), new_contact(portal, NAME="Bob")
    activity_id = add(
        portal, call_on(deal_id, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": first}])
    )
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": first}]}) == [activity_id]
    assert bound_to(portal, activity_id) == [(2, deal_id), (3, first)]
    fields = {"COMMUNICATIONS": [{"VALUE": "+15550199", "ENTITY_TYPE_ID": 3, "ENTITY_ID": second}]}
    assert portal.result("crm.activity.update", {"id": activity_id, "fields": fields}) is True
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": first}]}) == []
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": second}]}) == [activity_id]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": deal_id}]}) == [activity_id]
    assert bound_to(portal, activity_id) == [(2, deal_id), (3, second)]
    (row,) = portal.result("crm.activity.list", {"filter": {"ID": activity_id}, "select": ["COMMUNICATIONS"]})
    assert [(c["VALUE"], c["ENTITY_ID"]) for c in row["COMMUNICATIONS"]] == [("+15550199", str(second))]
    got = get(portal, activity_id)
    assert (got["OWNER_TYPE_ID"], got["OWNER_ID"]) == ("2", str(deal_id))


def test_update_communications_re_derive_the_owner(portal: PortalClient) -> None:
    """Update drops OWNER_* (immutable), so the owner is derived from the rebuilt bindings (core.md §1)."""
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    meeting = {
        "TYPE_ID": 1,
        "SUBJECT": "Meet",
        "COMMUNICATIONS": [{"VALUE": "Ann", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}],
    }
    activity_id = add(portal, meeting)
    assert get(portal, activity_id)["OWNER_TYPE_ID"] == "3"
    fields = {"COMMUNICATIONS": [{"VALUE": "Deal person", "ENTITY_TYPE_ID": 2, "ENTITY_ID": deal_id}]}
    assert portal.result("crm.activity.update", {"id": activity_id, "fields": fields}) is True
    got = get(portal, activity_id)
    assert (got["OWNER_TYPE_ID"], got["OWNER_ID"]) == ("2", str(deal_id))
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": contact_id}]}) == [activity_id]


def test_update_communications_that_all_drop_out(portal: PortalClient) -> None:
    activity_id = add(portal, call_on(new_deal(portal)))
    fields = {"COMMUNICATIONS": [{"VALUE": "a@example.com", "TYPE": "EMAIL"}]}
    assert portal.error("crm.activity.update", {"id": activity_id, "fields": fields}) == err(
        NO_COMMUNICATIONS
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"fields": {"SUBJECT": "x"}}, err("ID is not defined or invalid.")),
        ({"id": 0, "fields": {"SUBJECT": "x"}}, err("ID is not defined or invalid.")),
        ({"id": "abc", "fields": {}}, err("ID is not defined or invalid.")),
        ({"id": -3, "fields": {"SUBJECT": "x"}}, err("ID is not defined or invalid.")),
        ({"id": 99999, "fields": {"SUBJECT": "x"}}, err("Activity is not found.")),
        ({"id": 99999, "fields": {}}, err("Activity is not found.")),
    ],
)
def test_update_errors(portal: PortalClient, params: dict[str, Any], expected: Any) -> None:
    add(portal, call_on(new_deal(portal)))
    assert portal.error("crm.activity.update", params) == expected


def test_update_with_fields_not_an_array(portal: PortalClient) -> None:
    activity_id = add(portal, call_on(new_deal(portal)))
    assert portal.error("crm.activity.update", {"id": activity_id, "fields": "x"}) == err(
        "Parameter 'fields' must be array."
    )


# --- get and delete -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["crm.activity.get", "crm.activity.delete"])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "ID is not defined or invalid."),
        ({"id": "abc"}, "ID is not defined or invalid."),
        ({"id": 0}, "ID is not defined or invalid."),
        ({"id": -1}, "ID is not defined or invalid."),
        ({"id": 99999}, "Activity is not found."),
    ],
)
def test_get_and_delete_errors(
    portal: PortalClient, method: str, params: dict[str, Any], message: str
) -> None:
    assert portal.error(method, params) == err(message)


def test_delete_removes_the_activity_and_its_communications(portal: PortalClient) -> None:
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    activity_id = add(
        portal,
        call_on(deal_id, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}]),
    )
    keep = add(portal, call_on(deal_id))
    assert stored_rows(portal, tables.crm_activity_communications, activity_id) == 1
    assert portal.result("crm.activity.delete", {"id": activity_id}) is True
    assert portal.error("crm.activity.get", {"id": activity_id}) == err("Activity is not found.")
    assert portal.error("crm.activity.delete", {"id": activity_id}) == err("Activity is not found.")
    assert stored_rows(portal, tables.crm_activity_communications, activity_id) == 0
    assert stored_rows(portal, tables.crm_activity_bindings, activity_id) == 0
    assert listed_ids(portal, {}) == [keep]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": contact_id}]}) == []
    assert portal.result("crm.deal.get", {"id": deal_id})["ID"] == str(deal_id)  # the owner stays


# --- list: filters (core.md §2) -------------------------------------------------------------------------

SEED: dict[str, dict[str, Any]] = {
    "s1": {
        "SUBJECT": "call 100% sure",
        "PRIORITY": 3,
        "COMPLETED": "Y",
        "START_TIME": "2026-02-01T10:00:00+00:00",
        "LOCATION": "room 1",
    },
    "s2": {"SUBJECT": "call_back", "PRIORITY": 2, "START_TIME": "2026-02-02T10:00:00+00:00"},
    "s3": {
        "SUBJECT": "meeting molotov",
        "TYPE_ID": 1,
        "START_TIME": "2026-02-03T10:00:00+00:00",
        "COMMUNICATIONS": [{"VALUE": "Ann"}],
    },
    "s4": {
        "SUBJECT": "email about mol",
        "TYPE_ID": 4,
        "START_TIME": "2026-01-15T10:00:00+00:00",
        "COMMUNICATIONS": [{"VALUE": "a@example.com"}],
    },
    "s5": {"SUBJECT": "other"},
    "s6": {"SUBJECT": "call back", "START_TIME": "2026-02-04T10:00:00+00:00"},
    "s7": {"SUBJECT": "call 1000 times", "START_TIME": "2026-02-05T10:00:00+00:00"},
}
ALL = set(SEED)


def seed(portal: PortalClient) -> dict[str, int]:
    deal_id = new_deal(portal)
    ids = add_many(portal, [call_on(deal_id, **fields) for fields in SEED.values()])
    return dict(zip(SEED, ids, strict=True))


def names(found: list[int], by_name: dict[str, int]) -> set[str]:
    back = {v: k for k, v in by_name.items()}
    return {back[i] for i in found}


FILTERS: list[tuple[str, dict[str, Any], set[str]]] = [
    # integer fields
    ("int equal", {"PRIORITY": 3}, {"s1"}),
    ("int explicit equal", {"=PRIORITY": 3}, {"s1"}),
    ("int as string", {"PRIORITY": "3"}, {"s1"}),
    ("int array is OR", {"PRIORITY": [2, 3]}, {"s1", "s2"}),
    ("int not", {"!PRIORITY": 1}, {"s1", "s2"}),
    ("int not equal", {"!=PRIORITY": 1}, {"s1", "s2"}),
    ("int not with array is AND", {"!PRIORITY": [1, 2]}, {"s1"}),
    ("int greater", {">PRIORITY": 1}, {"s1", "s2"}),
    ("int greater or equal", {">=PRIORITY": 2}, {"s1", "s2"}),
    ("int less", {"<PRIORITY": 2}, ALL - {"s1", "s2"}),
    ("int less or equal", {"<=PRIORITY": 2}, ALL - {"s1"}),
    ("int comparison casts", {">PRIORITY": "2abc"}, {"s1"}),
    ("int greater with array is OR", {">PRIORITY": [2, 1]}, {"s1", "s2"}),
    ("int like falls back to equal", {"%PRIORITY": 3}, {"s1"}),
    ("int negated comparison", {"!>PRIORITY": 1}, ALL - {"s1", "s2"}),
    ("int in", {"@TYPE_ID": [1, 4]}, {"s3", "s4"}),
    ("int not in", {"!@TYPE_ID": [1, 4]}, ALL - {"s3", "s4"}),
    ("int in with a scalar is not split", {"@TYPE_ID": "1,4"}, {"s3"}),
    ("int zero matches zero", {"ASSOCIATED_ENTITY_ID": 0}, ALL),
    ("int in empty array is dropped", {"@TYPE_ID": []}, ALL),
    # char
    ("char equal", {"COMPLETED": "Y"}, {"s1"}),
    ("char not", {"!COMPLETED": "Y"}, ALL - {"s1"}),
    ("char array", {"COMPLETED": ["Y", "N"]}, ALL),
    # strings
    ("string equal", {"SUBJECT": "other"}, {"s5"}),
    ("string array is OR", {"SUBJECT": ["other", "call_back"]}, {"s5", "s2"}),
    ("string not with array is AND", {"!SUBJECT": ["other", "call_back"]}, ALL - {"s5", "s2"}),
    ("string not equal", {"!=SUBJECT": "other"}, ALL - {"s5"}),
    ("string in", {"@SUBJECT": ["other", "call back"]}, {"s5", "s6"}),
    ("string not in", {"!@SUBJECT": ["other", "call back"]}, ALL - {"s5", "s6"}),
    ("like is a substring", {"%SUBJECT": "mol"}, {"s3", "s4"}),
    ("like escapes percent", {"%SUBJECT": "100%"}, {"s1"}),
    ("like escapes underscore", {"%SUBJECT": "l_b"}, {"s2"}),
    ("like array is OR", {"%SUBJECT": ["mol", "other"]}, {"s3", "s4", "s5"}),
    ("rlike takes the pattern as sent", {"=%SUBJECT": "call%"}, {"s1", "s2", "s6", "s7"}),
    ("llike takes the pattern as sent", {"%=SUBJECT": "%mol"}, {"s4"}),
    ("rlike without wildcards is exact", {"=%SUBJECT": "mol"}, set()),
    ("negated like behaves like like", {"!%SUBJECT": "mol"}, {"s3", "s4"}),
    ("negated rlike behaves like rlike", {"!=%SUBJECT": "%mol%"}, {"s3", "s4"}),
    ("negated llike behaves like llike", {"!%=SUBJECT": "%mol"}, {"s4"}),
    ("like with an empty value is empty", {"%LOCATION": ""}, ALL - {"s1"}),
    ("equal with an empty value is empty", {"LOCATION": ""}, ALL - {"s1"}),
    # datetimes
    ("datetime from", {">=START_TIME": "2026-02-01T00:00:00+00:00"}, {"s1", "s2", "s3", "s6", "s7"}),
    ("datetime before", {"<START_TIME": "2026-02-01T00:00:00+00:00"}, {"s4"}),
    ("datetime after, other offset", {">START_TIME": "2026-02-02T12:00:00+02:00"}, {"s3", "s6", "s7"}),
    ("datetime equal", {"START_TIME": "2026-02-01T10:00:00+00:00"}, {"s1"}),
    ("datetime equal, other offset", {"START_TIME": "2026-02-01T11:00:00+01:00"}, {"s1"}),
    ("datetime like falls back to equal", {"%START_TIME": "2026-02-01T10:00:00+00:00"}, {"s1"}),
    ("datetime empty is null", {"START_TIME": ""}, {"s5"}),
    ("datetime invalid is null", {"START_TIME": "garbage"}, {"s5"}),
    # dropped keys
    (
        "unknown keys are dropped",
        {"NOPE": 1, "BINDING_OWNER_ID": 5, "CHECK_PERMISSIONS": "N", "LOGIC": "OR", "SEARCH_CONTENT": "zzz"},
        ALL,
    ),
    ("unknown with prefixes are dropped", {">=NOPE": 1, "%WHATEVER": "x"}, ALL),
]


@pytest.mark.parametrize(("case", "filter_", "expected"), FILTERS, ids=[c[0] for c in FILTERS])
def test_list_filter(portal: PortalClient, case: str, filter_: dict[str, Any], expected: set[str]) -> None:
    by_name = seed(portal)
    found = listed_ids(portal, filter_)
    assert len(found) == len(set(found))
    assert names(found, by_name) == expected


def test_list_filter_by_id(portal: PortalClient) -> None:
    by_name = seed(portal)
    assert listed_ids(portal, {"ID": by_name["s3"]}) == [by_name["s3"]]
    assert listed_ids(portal, {"@ID": f"{by_name['s1']},{by_name['s2']}"}) == [by_name["s1"]]
    assert listed_ids(portal, {">ID": by_name["s5"]}) == [by_name["s6"], by_name["s7"]]


def test_list_filter_must_be_an_array(portal: PortalClient) -> None:
    assert portal.error("crm.activity.list", {"filter": "ID=1"}) == err("Parameter 'filter' must be array.")
    assert portal.error("crm.activity.list", {"order": "ID"}) == err("Parameter 'order' must be array.")


def test_list_filter_by_owner_is_the_primary_binding(portal: PortalClient) -> None:
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    on_both = add(
        portal,
        call_on(deal_id, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}]),
    )
    contact_only = add(
        portal,
        {
            "TYPE_ID": 1,
            "SUBJECT": "Meet",
            "COMMUNICATIONS": [{"VALUE": "Ann", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}],
        },
    )
    assert listed_ids(portal, {"OWNER_TYPE_ID": 3, "OWNER_ID": contact_id}) == [contact_only]
    assert listed_ids(portal, {"OWNER_TYPE_ID": 2, "OWNER_ID": deal_id}) == [on_both]


def test_list_bindings_filter(portal: PortalClient) -> None:
    d1, d2, c1 = new_deal(portal), new_deal(portal), new_contact(portal)
    x1 = add(portal, call_on(d1))
    x2 = add(portal, call_on(d1, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": c1}]))
    x3 = add(portal, call_on(d2))
    x4 = add(
        portal,
        {
            "TYPE_ID": 1,
            "SUBJECT": "Meet",
            "COMMUNICATIONS": [{"VALUE": "Ann", "ENTITY_TYPE_ID": 3, "ENTITY_ID": c1}],
        },
    )
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2}]}) == [x1, x2, x3]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": d1}]}) == [x1, x2]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": 0}]}) == [x1, x2, x3]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": c1}]}) == [x2, x4]
    # Several items are OR'ed, and an activity matching two of them comes twice (pages/06, crm.md §2.3).
    both = listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2}, {"OWNER_TYPE_ID": 3}]})
    assert sorted(both) == [x1, x2, x2, x3, x4]
    pair = listed_ids(
        portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": d2}, {"OWNER_TYPE_ID": 3, "OWNER_ID": c1}]}
    )
    assert sorted(pair) == [x2, x3, x4]
    # A single associative object is not a list: it matches nothing, so the filter is effectively ignored.
    assert listed_ids(portal, {"BINDINGS": {"OWNER_TYPE_ID": 2, "OWNER_ID": d2}}) == [x1, x2, x3, x4]
    # Items with OWNER_TYPE_ID <= 0 are skipped.
    assert listed_ids(
        portal, {"BINDINGS": [{"OWNER_TYPE_ID": 0, "OWNER_ID": d1}, {"OWNER_TYPE_ID": 2, "OWNER_ID": d2}]}
    ) == [x3]
    # Combined with another condition.
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3}], "TYPE_ID": 1}) == [x4]


# --- list: order ----------------------------------------------------------------------------------------


def _ordered(portal: PortalClient, order: Any) -> list[int]:
    params: dict[str, Any] = {"filter": {">START_TIME": "2000-01-01T00:00:00+00:00"}, "select": ["ID"]}
    if order is not None:
        params["order"] = order
    return [int(r["ID"]) for r in portal.result("crm.activity.list", params)]


def test_list_order(portal: PortalClient) -> None:
    s = seed(portal)
    by_start = [s["s4"], s["s1"], s["s2"], s["s3"], s["s6"], s["s7"]]
    assert _ordered(portal, None) == by_start  # default START_TIME ASC
    assert _ordered(portal, {}) == by_start
    assert _ordered(portal, {"START_TIME": "DESC"}) == by_start[::-1]
    assert _ordered(portal, {"start_time": "desc"}) == by_start[::-1]  # keys are upper-cased
    assert _ordered(portal, {"START_TIME": "asc"}) == by_start
    assert _ordered(portal, {"START_TIME": "sideways"}) == by_start[::-1]  # anything but ASC is DESC
    rest = sorted(s[n] for n in ("s3", "s4", "s6", "s7"))
    assert _ordered(portal, {"PRIORITY": "DESC", "ID": "ASC"}) == [s["s1"], s["s2"], *rest]
    assert _ordered(portal, {"NOPE": "ASC", "ID": "DESC"}) == sorted(by_start, reverse=True)
    assert _ordered(portal, {"ID": "Asc"}) == sorted(by_start)


# --- list: select ---------------------------------------------------------------------------------------


def test_list_select(portal: PortalClient) -> None:
    s = seed(portal)
    one = {"filter": {"ID": s["s1"]}}

    def keys(select: Any) -> list[str]:
        (row,) = portal.result("crm.activity.list", {**one, "select": select})
        return sorted(row)

    everything = get(portal, s["s1"])
    (star,) = portal.result("crm.activity.list", {**one, "select": ["*"]})
    assert star == everything and list(star) == GET_KEYS
    (default,) = portal.result("crm.activity.list", one)
    assert default == everything
    assert keys([]) == sorted(GET_KEYS)
    (not_a_list,) = portal.result("crm.activity.list", {**one, "select": "SUBJECT"})
    assert not_a_list == everything  # a non-array select is [] (all default fields)
    assert keys(["ID", "SUBJECT"]) == ["ID", "SUBJECT"]
    assert keys(["SUBJECT"]) == ["ID", "SUBJECT"]  # ID is always added
    assert keys(["SUBJECT", "NOPE"]) == ["ID", "SUBJECT"]  # unknown names are ignored
    assert keys(["DESCRIPTION"]) == ["DESCRIPTION", "ID", "PROVIDER_ID", "PROVIDER_TYPE_ID"]
    assert keys(["DESCRIPTION", "PROVIDER_ID"]) == ["DESCRIPTION", "ID", "PROVIDER_ID", "PROVIDER_TYPE_ID"]
    assert keys(["ID", "COMMUNICATIONS"]) == ["COMMUNICATIONS", "ID"]
    assert keys(["*", "COMMUNICATIONS"]) == sorted([*GET_KEYS, "COMMUNICATIONS"])
    (row,) = portal.result("crm.activity.list", {**one, "select": ["SUBJECT", "PRIORITY", "START_TIME"]})
    assert row == {
        "ID": str(s["s1"]),
        "SUBJECT": "call 100% sure",
        "PRIORITY": "3",
        "START_TIME": "2026-02-01T10:00:00+00:00",
    }


# --- list: paging (core.md §2 "Navigation", platform.md §3) -----------------------------------------------


def test_list_paging(portal: PortalClient) -> None:
    deal_id = new_deal(portal)
    made = add_many(portal, [call_on(deal_id, SUBJECT=f"A{i:03}") for i in range(120)])
    assert made == sorted(made)

    def page(start: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"order": {"ID": "ASC"}, "select": ["ID"]}
        if start is not None:
            params["start"] = start
        answer = portal.call("crm.activity.list", params)
        answer["ids"] = [int(r["ID"]) for r in answer["result"]]
        return answer

    first = page(None)
    assert (first["ids"], first["next"], first["total"]) == (made[:50], 50, 120)
    assert [k for k in first if k != "ids"] == ["result", "next", "total", "time"]
    second = page(50)
    assert (second["ids"], second["next"], second["total"]) == (made[50:100], 100, 120)
    last = page(100)
    assert (last["ids"], last["total"]) == (made[100:], 120) and "next" not in last
    floored = page(75)  # not a multiple of 50: floored to the page boundary
    assert (floored["ids"], floored["next"]) == (made[50:100], 100)
    assert page("50")["ids"] == made[50:100]
    assert page("abc")["ids"] == made[:50]
    beyond = page(500)  # past the end: the first page again, without next
    assert (beyond["ids"], beyond["total"]) == (made[:50], 120) and "next" not in beyond
    no_count = page(-1)
    assert (no_count["ids"], no_count["total"]) == (made[:50], 0) and "next" not in no_count
    other_negative = page(-7)
    assert (other_negative["ids"], other_negative["total"]) == (made[:50], 0) and "next" not in other_negative

    # The fast-paging recipe (platform.md §3): >ID, order ID ASC, start=-1, until a short page.
    seen: list[int] = []
    calls = 0
    while True:
        calls += 1
        rows = portal.result(
            "crm.activity.list",
            {
                "order": {"ID": "ASC"},
                "filter": {">ID": seen[-1] if seen else 0},
                "select": ["ID"],
                "start": -1,
            },
        )
        seen.extend(int(r["ID"]) for r in rows)
        if len(rows) < 50:
            break
    assert seen == made and calls == 3


def test_list_on_an_empty_portal(portal: PortalClient) -> None:
    answer = portal.call("crm.activity.list", {})
    assert answer["result"] == [] and answer["total"] == 0 and "next" not in answer
    assert portal.call("crm.activity.list", {"start": 100})["result"] == []


# --- permissions ----------------------------------------------------------------------------------------


def test_permissions_follow_the_owner_and_the_responsible(portal: PortalClient) -> None:
    admin = portal.hook.user.id
    seller_client, seller = restricted_user(portal, "2:read=own,add=own,edit=own,delete=own")
    theirs = new_deal(portal, ASSIGNED_BY_ID=seller)
    others = new_deal(portal)  # the admin's: neither readable nor editable for the seller

    assert seller_client.error("crm.activity.add", {"fields": call_on(others)}) == err("Access denied.")
    assert list(seller_client.result("crm.activity.fields")) == [f[0] for f in DOCUMENTED_FIELDS]
    mine = seller_client.result("crm.activity.add", {"fields": call_on(theirs)})
    assert get(portal, mine)["RESPONSIBLE_ID"] == str(seller)
    hidden = add(portal, call_on(others))
    delegated = add(portal, call_on(others, RESPONSIBLE_ID=seller))
    on_theirs = add(portal, call_on(theirs, RESPONSIBLE_ID=admin))

    assert listed_ids(seller_client, {}) == sorted([mine, delegated, on_theirs])
    assert seller_client.error("crm.activity.get", {"id": hidden}) == err("Activity is not found.")
    assert seller_client.result("crm.activity.get", {"id": delegated})["ID"] == str(delegated)
    assert seller_client.result("crm.activity.get", {"id": on_theirs})["ID"] == str(on_theirs)
    assert listed_ids(seller_client, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": others}]}) == [delegated]

    # Visible as the responsible person, but the owner is not theirs to edit.
    denied = err("Access denied.")
    assert seller_client.error("crm.activity.update", {"id": delegated, "fields": {"SUBJECT": "x"}}) == denied
    assert seller_client.error("crm.activity.delete", {"id": delegated}) == denied
    assert seller_client.error("crm.activity.update", {"id": hidden, "fields": {"SUBJECT": "x"}}) == err(
        "Activity is not found."
    )
    assert seller_client.error("crm.activity.delete", {"id": hidden}) == err("Activity is not found.")
    assert (
        seller_client.result("crm.activity.update", {"id": on_theirs, "fields": {"SUBJECT": "Mine"}}) is True
    )
    assert seller_client.result("crm.activity.delete", {"id": mine}) is True
    assert get(portal, delegated)["SUBJECT"] == "Call" and get(portal, hidden)["ID"] == str(hidden)
    # The admin sees everything.
    assert listed_ids(portal, {}) == sorted([hidden, delegated, on_theirs])


def test_a_contact_binding_needs_edit_rights_on_the_contact(portal: PortalClient) -> None:
    seller_client, seller = restricted_user(portal, "2:*=own", "3:read=all")
    deal_id, contact_id = new_deal(portal, ASSIGNED_BY_ID=seller), new_contact(portal)
    fields = call_on(deal_id, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}])
    assert seller_client.error("crm.activity.add", {"fields": fields}) == err("Access denied.")


def test_no_crm_rights_at_all(portal: PortalClient) -> None:
    nobody, _ = restricted_user(portal, "*:*=none")
    add(portal, call_on(new_deal(portal)))
    # The dispatcher's first check (core.md §1 "Dispatch, in order", step 1): before any parameter check.
    calls: tuple[tuple[str, dict[str, Any]], ...] = (
        ("crm.activity.list", {}),
        ("crm.activity.list", {"filter": "x"}),
        ("crm.activity.get", {"id": 1}),
        ("crm.activity.get", {"id": "abc"}),
        ("crm.activity.update", {"id": 0, "fields": {}}),
        ("crm.activity.delete", {}),
        ("crm.activity.fields", {}),
        ("crm.activity.communication.fields", {}),
        ("crm.activity.add", {"fields": {"SUBJECT": "x"}}),
        ("crm.activity.add", {"fields": {}}),
        ("crm.activity.add", {"fields": "x"}),
    )
    answers = {f"{method} {params}": nobody.error(method, params) for method, params in calls}
    assert answers == dict.fromkeys(answers, err("Access denied."))


# --- owner deletion (crm.md §11) ------------------------------------------------------------------------


def _delete_deal(portal: PortalClient, how: str, deal_id: int) -> None:
    if how == "crm.deal.delete":
        assert portal.result("crm.deal.delete", {"id": deal_id}) is True
    else:
        portal.result("crm.item.delete", {"entityTypeId": 2, "id": deal_id})


@pytest.mark.parametrize("how", ["crm.deal.delete", "crm.item.delete"])
def test_deleting_the_only_owner_deletes_the_activity(portal: PortalClient, how: str) -> None:
    deal_id, kept_deal = new_deal(portal), new_deal(portal)
    gone = add(portal, call_on(deal_id))
    kept = add(portal, call_on(kept_deal))
    _delete_deal(portal, how, deal_id)
    assert portal.error("crm.activity.get", {"id": gone}) == err("Activity is not found.")
    assert listed_ids(portal, {}) == [kept]
    assert stored_rows(portal, tables.crm_activity_communications, gone) == 0
    assert stored_rows(portal, tables.crm_activity_bindings, gone) == 0


@pytest.mark.parametrize("how", ["crm.deal.delete", "crm.item.delete"])
def test_an_activity_with_another_binding_survives_and_is_re_owned(portal: PortalClient, how: str) -> None:
    deal_id, contact_id = new_deal(portal), new_contact(portal)
    activity_id = add(
        portal,
        call_on(deal_id, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}]),
    )
    before = get(portal, activity_id)
    assert (before["OWNER_TYPE_ID"], before["OWNER_ID"]) == ("2", str(deal_id))
    _delete_deal(portal, how, deal_id)
    after = get(portal, activity_id)
    assert (after["OWNER_TYPE_ID"], after["OWNER_ID"]) == ("3", str(contact_id))
    assert bound_to(portal, activity_id) == [(3, contact_id)]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 2}]}) == []
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": 3, "OWNER_ID": contact_id}]}) == [activity_id]
    assert listed_ids(portal, {"OWNER_TYPE_ID": 3, "OWNER_ID": contact_id}) == [activity_id]


# --- events (core.md §7, pages/31..33) ------------------------------------------------------------------


def test_each_change_writes_its_event(portal: PortalClient) -> None:
    deal_id = new_deal(portal)
    activity_id = add(portal, call_on(deal_id))
    added = ("ONCRMACTIVITYADD", {"FIELDS": {"ID": activity_id}})
    assert activity_events(portal) == [added]
    assert portal.result("crm.activity.update", {"id": activity_id, "fields": {"SUBJECT": "x"}}) is True
    updated = ("ONCRMACTIVITYUPDATE", {"FIELDS": {"ID": activity_id}})
    assert activity_events(portal) == [added, updated]
    # A failed update writes nothing.
    portal.error("crm.activity.update", {"id": activity_id, "fields": {}})
    assert activity_events(portal) == [added, updated]
    assert portal.result("crm.activity.delete", {"id": activity_id}) is True
    assert activity_events(portal) == [
        added,
        updated,
        ("ONCRMACTIVITYDELETE", {"FIELDS": {"ID": activity_id}}),
    ]


def test_update_without_history_still_fires_the_event(portal: PortalClient) -> None:
    """params.REGISTER_HISTORY_EVENT=N turns history off, not the event (core.md §1 update, §7)."""
    activity_id = add(portal, call_on(new_deal(portal)))
    params = {"id": activity_id, "fields": {"SUBJECT": "Quiet"}, "params": {"REGISTER_HISTORY_EVENT": "N"}}
    assert portal.result("crm.activity.update", params) is True
    assert [e for e, _ in activity_events(portal)] == ["ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE"]


@pytest.mark.parametrize("how", ["crm.deal.delete", "crm.item.delete"])
def test_deleting_the_owner_fires_the_activity_delete_event(portal: PortalClient, how: str) -> None:
    deal_id = new_deal(portal)
    activity_id = add(portal, call_on(deal_id))
    _delete_deal(portal, how, deal_id)
    assert activity_events(portal)[-1] == ("ONCRMACTIVITYDELETE", {"FIELDS": {"ID": activity_id}})


def test_events_belong_to_their_portal(portal: PortalClient, runtime: Runtime, http: TestClient) -> None:
    other = PortalClient.create(runtime, http, scopes=("crm",))
    add(other, call_on(new_deal(other)))
    assert activity_events(portal) == []
    assert [e for e, _ in activity_events(other)] == ["ONCRMACTIVITYADD"]


# --- time stamps without the manual clock ---------------------------------------------------------------


def test_last_updated_moves_on_update(portal: PortalClient) -> None:
    activity_id = add(portal, call_on(new_deal(portal)))
    created = datetime.fromisoformat(get(portal, activity_id)["CREATED"])
    portal.result("crm.activity.update", {"id": activity_id, "fields": {"SUBJECT": "Later"}})
    after = get(portal, activity_id)
    assert datetime.fromisoformat(after["CREATED"]) == created
    assert created <= datetime.fromisoformat(after["LAST_UPDATED"]) <= created + timedelta(minutes=2)
