"""b24crm seed: bulk data that the API sees as if added one by one."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from b24crm.cli import cli
from b24crm.runtime import Runtime
from b24crm.seed import seed_activities, seed_deals
from b24crm.store import crm_activities as activities_repo
from b24crm.store import sql
from b24crm.store.engine import Database
from b24crm.store.tables import crm_activities, crm_activity_bindings, crm_activity_communications, crm_items
from tests.client import PortalClient

PROVIDERS = {
    1: ("CRM_MEETING", "MEETING"),
    2: ("VOXIMPLANT_CALL", "CALL"),
    4: ("CRM_EMAIL", "EMAIL"),
    6: ("CRM_TODO", "TODO"),
}


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


def _rows(db: Database, table: sa.Table, portal_id: int) -> list[dict]:  # type: ignore[type-arg]
    with db.read() as conn:
        stmt = sa.select(table).where(table.c.portal_id == portal_id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def test_seeded_activities_are_owned_by_and_bound_to_deals(runtime: Runtime, database: Database) -> None:
    portal = runtime.tenancy.create_portal()
    runtime.tenancy.create_user(portal.id, name="Admin", admin=True)
    now = runtime.clock.now()
    first_deal, last_deal = seed_deals(database, portal.id, 7, users=3, now=now)
    assert (first_deal, last_deal) == (1, 7)

    with database.read() as conn:
        generation = activities_repo.generation(conn, portal.id)

    assert seed_activities(database, portal.id, 400, users=3, now=now) == (1, 400)

    activities = {a["id"]: a for a in _rows(database, crm_activities, portal.id)}
    assert sorted(activities) == list(range(1, 401))
    for a in activities.values():
        assert (a["owner_type_id"], a["type_id"] in PROVIDERS) == (2, True)
        assert first_deal <= a["owner_id"] <= last_deal
        assert (a["provider_id"], a["provider_type_id"]) == PROVIDERS[a["type_id"]]
        assert a["responsible_id"] in {1, 2, 3}
        assert a["author_id"] == a["editor_id"] == a["responsible_id"]
        assert a["status"] == (2 if a["completed"] == "Y" else 1)
        assert a["deadline"] == a["start_time"] <= a["end_time"]
        assert a["created"] <= a["last_updated"] <= now
        assert now - 2 * 365 * 86400 - 4 * 86400 <= a["created"]
        assert 1 <= a["priority"] <= 3 and 0 <= a["direction"] <= 2 and a["description_type"] == 1
        assert a["subject"].endswith(f" #{a['owner_id']}")
    types = Counter(a["type_id"] for a in activities.values())
    assert set(types) == {1, 2, 4, 6} and types.most_common(1)[0][0] == 2
    open_share = sum(a["completed"] == "N" for a in activities.values()) / len(activities)
    assert 0.2 < open_share < 0.4

    bindings = _rows(database, crm_activity_bindings, portal.id)
    assert sorted((b["activity_id"], b["owner_type_id"], b["owner_id"], b["position"]) for b in bindings) == [
        (a["id"], 2, a["owner_id"], 0) for a in sorted(activities.values(), key=lambda a: a["id"])
    ]

    comms = _rows(database, crm_activity_communications, portal.id)
    assert sorted(c["id"] for c in comms) == list(range(1, len(comms) + 1))
    assert sorted(c["activity_id"] for c in comms) == sorted(
        a["id"] for a in activities.values() if a["type_id"] != 6
    )
    for c in comms:
        owner = activities[c["activity_id"]]
        assert (c["entity_type_id"], c["entity_id"]) == (2, owner["owner_id"])
        assert c["type"] == ("EMAIL" if owner["type_id"] == 4 else "PHONE") and c["value"]

    with database.write() as conn:
        assert sql.current_value(conn, portal.id, "crm_activity") == 400
        assert sql.current_value(conn, portal.id, "crm_activity_communication") == len(comms)
        # Counts a running server remembers expire; the next activity added one by one gets the next ID.
        assert activities_repo.generation(conn, portal.id) > generation
        assert sql.next_id(conn, portal.id, "crm_activity") == 401
    # A second load continues after it.
    assert seed_activities(database, portal.id, 5, users=3, now=now, seed=2) == (402, 406)


def test_seeding_activities_on_a_portal_without_deals_seeds_deals(
    runtime: Runtime, database: Database
) -> None:
    portal = runtime.tenancy.create_portal()
    now = runtime.clock.now()
    assert seed_activities(database, portal.id, 30, users=2, now=now) == (1, 30)
    with database.read() as conn:
        deals = conn.execute(
            sa.select(sa.func.count()).where(
                crm_items.c.portal_id == portal.id, crm_items.c.entity_type_id == 2
            )
        ).scalar_one()
    assert deals == 3
    assert {a["owner_id"] for a in _rows(database, crm_activities, portal.id)} <= {1, 2, 3}


def test_seed_command_loads_activities(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'seed.db'}"
    runner = CliRunner()
    created = runner.invoke(cli, ["portal", "create", "--db", db_url, "--domain", "seed.b24crm.local"])
    assert created.exit_code == 0, created.output
    result = runner.invoke(
        cli, ["seed", "--portal", "1", "--deals", "10", "--activities", "50", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "Deals: 1..10" in result.output and "Activities: 1..50" in result.output
    only = runner.invoke(cli, ["seed", "--portal", "1", "--activities", "20", "--db", db_url])
    assert only.exit_code == 0, only.output
    assert "Deals:" not in only.output and "Activities: 51..70" in only.output


def test_seeded_activities_read_through_the_api(portal: PortalClient) -> None:
    runtime = portal.runtime
    portal_id = portal.hook.portal.id
    seed_deals(runtime.db, portal_id, 5, users=3, now=runtime.clock.now())
    assert seed_activities(runtime.db, portal_id, 60, users=3, now=runtime.clock.now()) == (1, 60)
    got = portal.result("crm.activity.get", {"id": 7})
    with runtime.db.read() as conn:
        row = conn.execute(
            sa.select(crm_activities).where(crm_activities.c.portal_id == portal_id, crm_activities.c.id == 7)
        ).one()
    assert got["ID"] == "7" and got["OWNER_TYPE_ID"] == "2" and got["OWNER_ID"] == str(row.owner_id)
    assert (got["TYPE_ID"], got["PROVIDER_ID"], got["SUBJECT"]) == (
        str(row.type_id),
        row.provider_id,
        row.subject,
    )
    assert got["DEADLINE"] == got["START_TIME"] and got["COMPLETED"] in ("Y", "N")
    page = portal.call(
        "crm.activity.list",
        {
            "filter": {"RESPONSIBLE_ID": 2, "COMPLETED": "N"},
            "order": {"DEADLINE": "ASC"},
            "select": ["ID", "DEADLINE", "RESPONSIBLE_ID", "COMMUNICATIONS"],
        },
    )
    assert page["total"] == len(page["result"]) > 0
    assert all(a["RESPONSIBLE_ID"] == "2" for a in page["result"])
    assert any(c["TYPE"] == "PHONE" for a in page["result"] for c in a["COMMUNICATIONS"])
    assert [a["DEADLINE"] for a in page["result"]] == sorted(a["DEADLINE"] for a in page["result"])
    added = portal.result(
        "crm.activity.add",
        {
            "fields": {
                "OWNER_TYPE_ID": 2,
                "OWNER_ID": 1,
                "TYPE_ID": 2,
                "SUBJECT": "by hand",
                "COMMUNICATIONS": [{"VALUE": "+15550001", "ENTITY_TYPE_ID": 2, "ENTITY_ID": 1}],
            }
        },
    )
    assert added == 61


def test_bulk_rows_keep_every_character_and_json(portal: PortalClient) -> None:
    """``sql.insert_rows`` (COPY on PostgreSQL) stores text with tabs, newlines and backslashes, NULLs
    and JSON as an INSERT would."""
    db, portal_id = portal.runtime.db, portal.hook.portal.id
    tricky = "tab\there\nnew line\\N back\\slash\r\u00e9"
    row = {
        "portal_id": portal_id,
        "entity_type_id": 2,
        "id": 9_000_001,
        "title": tricky,
        "assigned_by_id": 1,
        "created_by": 1,
        "updated_by": 1,
        "created_time": 1.5,
        "updated_time": 2.25,
        "opened": False,
        "category_id": 0,
        "stage_id": "NEW",
        "company_id": None,
        "contact_id": None,
        "opportunity": 0.1,
        "currency_id": "USD",
        "data": {"comments": tricky, "contactIds": [1, 2], "closed": True},
    }
    with db.write() as conn:
        sql.insert_rows(conn, crm_items, [row])
    c = crm_items.c
    with db.read() as conn:
        stored = conn.execute(sa.select(crm_items).where(c.portal_id == portal_id, c.id == 9_000_001)).one()
    assert stored._asdict() == row


def test_a_large_load_builds_the_indexes_at_its_end(
    runtime: Runtime, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import b24crm.seed

    monkeypatch.setattr(b24crm.seed, "REBUILD_INDEXES_FROM", 10)
    portal = runtime.tenancy.create_portal()
    seed_activities(database, portal.id, 30, users=2, now=runtime.clock.now())
    with database.read() as conn:
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("crm_activities")}
    assert {ix.name for ix in crm_activities.indexes} <= names
