"""Stored crm.activity.get answers (crm/activity/answers.py): served when present, never older than the row.

The property that matters: whatever path changed an activity, get answers exactly what rendering the row
afresh answers. Each step below changes activities through a different method, and after each one every
activity's get is compared with its live rendering (the stored copies removed by hand).
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from b24crm.cli import cli
from b24crm.crm.activity import answers
from b24crm.seed import seed_activities
from b24crm.store import tables
from b24crm.store.engine import Database
from tests.client import PortalClient
from tests.support_activity import PHONE, add, call_on

ANSWERS = tables.crm_activity_answers


def stored(portal: PortalClient) -> dict[int, tuple[str, bytes]]:
    """The portal's stored answers by activity id."""
    with portal.runtime.db.read() as conn:
        rows = conn.execute(
            sa.select(ANSWERS.c.activity_id, ANSWERS.c.form, ANSWERS.c.body).where(
                ANSWERS.c.portal_id == portal.hook.portal.id
            )
        ).all()
    return {r.activity_id: (r.form, answers.unpack(bytes(r.body)) or b"") for r in rows}


def drop_stored(portal: PortalClient) -> None:
    with portal.runtime.db.write() as conn:
        conn.execute(ANSWERS.delete().where(ANSWERS.c.portal_id == portal.hook.portal.id))


def set_stored(portal: PortalClient, activity_id: int, **values: Any) -> None:
    with portal.runtime.db.write() as conn:
        conn.execute(
            ANSWERS.update()
            .where(ANSWERS.c.portal_id == portal.hook.portal.id, ANSWERS.c.activity_id == activity_id)
            .values(**values)
        )


def all_ids(portal: PortalClient) -> list[int]:
    page = portal.result("crm.activity.list", {"order": {"ID": "ASC"}, "select": ["ID"]})
    return [int(row["ID"]) for row in page]


def gets(portal: PortalClient, ids: list[int]) -> dict[int, str]:
    """Each activity's get answer as the raw text of its ``result`` (escapes included)."""
    out = {}
    for activity_id in ids:
        response = portal.raw("crm.activity.get", {"id": activity_id})
        assert response.status_code == 200, response.text
        text = response.text
        out[activity_id] = text[len('{"result":') : text.index(',"time":{')]
    return out


def assert_served_as_rendered(portal: PortalClient) -> None:
    ids = all_ids(portal)
    served = gets(portal, ids)
    drop_stored(portal)
    assert gets(portal, ids) == served


def test_add_and_update_keep_the_answer_get_sends(portal: PortalClient) -> None:
    deal_id = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    # Characters the vendor's JSON escapes: the copy is escaped with the rest of the answer.
    activity_id = add(portal, call_on(deal_id, SUBJECT="<b>Tom & 'Jerry'</b> / ☎"))
    kept = stored(portal)
    assert list(kept) == [activity_id]
    assert kept[activity_id][0] == f"{answers.FORMAT} UTC"
    text = gets(portal, [activity_id])[activity_id]
    assert '"SUBJECT":"\\u003Cb\\u003ETom \\u0026 \\u0027Jerry\\u0027\\u003C\\/b\\u003E \\/ ☎"' in text
    assert portal.result("crm.activity.update", {"id": activity_id, "fields": {"SUBJECT": "Second"}})
    kept_after = stored(portal)[activity_id][1]
    assert b'"SUBJECT":"Second"' in kept_after
    assert portal.result("crm.activity.get", {"id": activity_id})["SUBJECT"] == "Second"
    assert_served_as_rendered(portal)


def test_get_sends_the_stored_answer_only_in_the_current_form(portal: PortalClient) -> None:
    activity_id = portal.add_call()
    set_stored(portal, activity_id, body=answers.pack(b'{"ID":"stored"}'))
    assert portal.result("crm.activity.get", {"id": activity_id}) == {"ID": "stored"}
    # A batch reference and an XML answer read into the stored value too.
    batch = portal.result(
        "batch",
        {"cmd": {"a": f"crm.activity.get?id={activity_id}", "b": "crm.activity.get?id=$result[a][ID]"}},
    )
    assert batch["result"]["a"] == {"ID": "stored"}
    assert batch["result_error"]["b"]["error_description"] == "ID is not defined or invalid."
    xml = portal.http.get(f"{portal.base}/crm.activity.get.xml?id={activity_id}")
    assert "<result><ID>stored</ID></result>" in xml.text
    # Another format or another zone than the portal's, or bytes that do not inflate whole: the row is
    # rendered instead.
    packed = answers.pack(b'{"ID":"stored"}')
    for form, body in (
        (f"{answers.FORMAT}0 UTC", packed),
        (f"{answers.FORMAT} Europe/Berlin", packed),
        (f"{answers.FORMAT} UTC", packed[:-2]),
        (f"{answers.FORMAT} UTC", b"not deflated"),
        (f"{answers.FORMAT} UTC", packed + b"tail"),
    ):
        set_stored(portal, activity_id, form=form, body=body)
        assert portal.result("crm.activity.get", {"id": activity_id})["ID"] == str(activity_id)


def test_any_change_to_the_row_drops_its_answer(portal: PortalClient) -> None:
    first, second = portal.add_call("First"), portal.add_call("Second")
    assert set(stored(portal)) == {first, second}
    table = tables.crm_activities
    mine = table.c.portal_id == portal.hook.portal.id
    with portal.runtime.db.write() as conn:  # what no method of ours would do: plain SQL
        conn.execute(table.update().where(mine, table.c.id == first).values(subject="Changed"))
    assert set(stored(portal)) == {second}
    assert portal.result("crm.activity.get", {"id": first})["SUBJECT"] == "Changed"
    with portal.runtime.db.write() as conn:
        conn.execute(table.delete().where(mine, table.c.id == second))
    assert stored(portal) == {}


def test_every_path_that_changes_activities_leaves_get_as_rendered(portal: PortalClient) -> None:
    deal_id = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    other_deal = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Other"}}))
    contact_id = int(portal.result("crm.contact.add", {"fields": {"NAME": "Ann"}}))
    call = add(
        portal,
        call_on(deal_id, COMMUNICATIONS=[{"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}]),
    )
    lone = add(portal, call_on(other_deal, SUBJECT="Lone", SETTINGS={"a": {"b": [1, 2]}}))
    todo = int(
        portal.result(
            "crm.activity.todo.add",
            {"ownerTypeId": 2, "ownerId": deal_id, "deadline": "2026-03-01T10:00:00", "title": "Todo"},
        )["id"]
    )
    assert_served_as_rendered(portal)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("crm.activity.update", {"id": call, "fields": {"COMPLETED": "Y", "DESCRIPTION": "done"}}),
        ("crm.activity.update", {"id": lone, "fields": {"START_TIME": "2026-05-01T09:00:00+02:00"}}),
        (
            "crm.activity.todo.updateDeadline",
            {"id": todo, "ownerTypeId": 2, "ownerId": deal_id, "value": "2026-04-01"},
        ),
        (
            "crm.activity.todo.update",
            {"id": todo, "ownerTypeId": 2, "ownerId": deal_id, "deadline": "2026-04-02", "title": "Renamed"},
        ),
        ("crm.activity.binding.add", {"activityId": lone, "entityTypeId": 3, "entityId": contact_id}),
        ("crm.activity.binding.delete", {"activityId": lone, "entityTypeId": 2, "entityId": other_deal}),
        (
            "crm.activity.update",
            {"id": call, "fields": {"FILES": [{"fileData": ["a.txt", base64.b64encode(b"hi").decode()]}]}},
        ),
        ("crm.deal.delete", {"id": deal_id}),  # re-owns the call to the contact, deletes the todo
    ]
    for method, params in steps:
        portal.result(method, params)
        if method.startswith("crm.activity.binding."):  # the method keeps the answer it changed
            assert lone in stored(portal)
        assert_served_as_rendered(portal)
        # Let the next step start from the answers the methods themselves keep.
        for activity_id in all_ids(portal):
            portal.result("crm.activity.update", {"id": activity_id, "fields": {"PRIORITY": 2}})
    assert portal.error("crm.activity.get", {"id": todo})[0] == 400


def test_an_activity_with_files_is_rendered_for_each_caller(portal: PortalClient) -> None:
    deal_id = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    upload = {"fileData": ["a.txt", base64.b64encode(b"hello").decode()]}
    activity_id = add(portal, call_on(deal_id, FILES=[upload]))
    assert stored(portal) == {}
    files = portal.result("crm.activity.get", {"id": activity_id})["FILES"]
    assert len(files) == 1 and "&auth=" in files[0]["url"]  # the caller's own download link


@pytest.mark.parametrize("time_zone", ["Europe/Berlin", "Asia/Kolkata"])
def test_the_answer_is_kept_in_the_portals_zone(runtime, http, time_zone: str) -> None:  # type: ignore[no-untyped-def]
    portal = PortalClient.create(runtime, http, time_zone=time_zone)
    activity_id = portal.add_call()
    assert stored(portal)[activity_id][0] == f"{answers.FORMAT} {time_zone}"
    assert_served_as_rendered(portal)


def test_seeded_activities_come_with_their_answers(portal: PortalClient) -> None:
    runtime = portal.runtime
    first, last = seed_activities(runtime.db, portal.hook.portal.id, 60, users=2, now=runtime.clock.now())
    assert sorted(stored(portal)) == list(range(first, last + 1))
    assert_served_as_rendered(portal)


def test_db_answers_stores_what_activities_lack(portal: PortalClient) -> None:
    ids = [portal.add_call(f"Call {i}") for i in range(3)]
    files = add(
        portal,
        call_on(int(portal.result("crm.activity.get", {"id": ids[0]})["OWNER_ID"]), FILES=[_upload()]),
    )
    drop_stored(portal)  # as after an upgrade from before answers were stored
    url = portal.runtime.db.url.render_as_string(hide_password=False)
    ran = CliRunner().invoke(cli, ["db", "answers", "--portal", str(portal.hook.portal.id), "--db", url])
    assert ran.exit_code == 0, ran.output
    assert f"Portal {portal.hook.portal.id}: 4 activities looked at" in ran.stdout
    assert sorted(stored(portal)) == ids  # not the one with files
    assert files not in stored(portal)
    assert_served_as_rendered(portal)
    unknown = CliRunner().invoke(cli, ["db", "answers", "--portal", "999999", "--db", url])
    assert unknown.exit_code == 2 and "no portal 999999" in unknown.output


def _upload() -> dict[str, Any]:
    return {"fileData": ["a.txt", base64.b64encode(b"hello").decode()]}


def test_todos_keep_their_answers(portal: PortalClient) -> None:
    deal_id = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    owner = {"ownerTypeId": 2, "ownerId": deal_id}
    parent = int(
        portal.result("crm.activity.todo.add", {**owner, "deadline": "2026-03-01", "title": "P"})["id"]
    )
    child = int(
        portal.result(
            "crm.activity.todo.add",
            {**owner, "deadline": "2026-03-02", "title": "C", "parentActivityId": parent},
        )["id"]
    )
    assert sorted(stored(portal)) == [parent, child]  # the parent completed by its child included
    portal.result("crm.activity.todo.updateDescription", {**owner, "id": child, "value": "described"})
    assert b'"DESCRIPTION":"described"' in stored(portal)[child][1]
    assert_served_as_rendered(portal)


def test_keeping_an_answer_holds_its_row_until_commit(portal: PortalClient, database: Database) -> None:
    """On PostgreSQL a row read for its answer is locked, so no change can commit between the read and
    the stored answer (the change's trigger would find nothing to drop and the answer would be stale)."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite's write transactions are serial: nothing can change the row in between")
    activity_id = portal.add_call()
    drop_stored(portal)
    table = tables.crm_activities
    outcome: list[str] = []

    def change() -> None:
        try:
            with database.write() as other:
                other.exec_driver_sql("SET LOCAL lock_timeout = '300ms'")
                other.execute(table.update().where(table.c.id == activity_id).values(subject="Changed"))
            outcome.append("committed")
        except sa.exc.OperationalError:
            outcome.append("waited")

    with database.write() as conn:
        answers.keep(conn, portal.hook.portal, activity_id)
        worker = threading.Thread(target=change)
        worker.start()
        worker.join()
    assert outcome == ["waited"]
    assert portal.result("crm.activity.get", {"id": activity_id})["SUBJECT"] == "Call"


def test_a_row_holding_infinity_is_rendered_live(portal: PortalClient, database: Database) -> None:
    """Rows stored before such input was refused may hold infinity, which orjson would store as null
    while a live XML answer writes "inf": no answer is kept for them."""
    if database.dialect != "sqlite":
        pytest.skip("PostgreSQL's json type refuses Infinity: no such row can exist there")
    activity_id = portal.add_call()
    with database.write() as conn:
        conn.exec_driver_sql(
            "UPDATE crm_activities SET settings = '{\"x\": [Infinity]}' WHERE portal_id = ? AND id = ?",
            (portal.hook.portal.id, activity_id),
        )
        answers.keep(conn, portal.hook.portal, activity_id)
    assert activity_id not in stored(portal)
    xml = portal.http.get(f"{portal.base}/crm.activity.get.xml?id={activity_id}")
    assert "<SETTINGS><x><item>inf</item></x></SETTINGS>" in xml.text


def test_an_activity_re_owned_by_its_owners_deletion_keeps_its_answer(portal: PortalClient) -> None:
    deal_id = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    contact_id = int(portal.result("crm.contact.add", {"fields": {"NAME": "Ann"}}))
    communication = {"VALUE": PHONE, "ENTITY_TYPE_ID": 3, "ENTITY_ID": contact_id}
    activity_id = add(portal, call_on(deal_id, COMMUNICATIONS=[communication]))
    assert portal.result("crm.deal.delete", {"id": deal_id}) is True
    assert b'"OWNER_ID":"%d","OWNER_TYPE_ID":"3"' % contact_id in stored(portal)[activity_id][1]
    assert_served_as_rendered(portal)


# Any JSON a client may put into SETTINGS: the characters the vendor's JSON escapes, other Unicode, numbers
# at and past 64 bits, nesting.
_TEXT = st.text(alphabet="ab/<>&'\\\"\u2028é☎ \t\n\U0001f600", max_size=8)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_TEXT, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.dictionaries(_TEXT, _JSON, max_size=3), subject=_TEXT.filter(str.strip))
def test_any_settings_are_served_as_rendered_in_json_and_xml(
    portal: PortalClient, value: dict[str, Any], subject: str
) -> None:
    deal_id = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    activity_id = add(portal, call_on(deal_id, SUBJECT=subject, SETTINGS=value))
    xml_path = f"{portal.base}/crm.activity.get.xml?id={activity_id}"

    def xml() -> str:
        text = portal.http.get(xml_path).text
        return text[: text.index("<time>")]

    served = gets(portal, [activity_id]), xml()
    drop_stored(portal)
    assert (gets(portal, [activity_id]), xml()) == served
