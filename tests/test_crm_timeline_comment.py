"""crm.timeline.comment.*: the docs' examples as written, every documented error (each test names its
page), bindings to several items, files kept and served, rights, events and the owner's deletion."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest

from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events import catalogue
from b24crm.events.delivery import deliver_due
from b24crm.settings import Settings
from b24crm.store import timeline as timeline_store
from b24crm.store.engine import Database
from tests.client import PortalClient
from tests.statements import statements_on
from tests.support_events import event_portal, outgoing_hook

DOCS = "api-reference/crm/timeline/comments/"
NOT_FOUND = {"error": "NOT_FOUND", "error_description": "Item was not found."}
OWNER_NOT_FOUND = {"error": "OWNER_NOT_FOUND", "error_description": "Owner was not found"}
DENIED = {"error": "ACCESS_DENIED", "error_description": "Access denied"}


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _deal(portal: PortalClient, title: str = "Deal") -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": title}}))


def _add(portal: PortalClient, deal: int, text: str = "New comment was added", **extra: Any) -> int:
    fields = {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": text, **extra}
    return int(portal.result("crm.timeline.comment.add", {"fields": fields}))


def _events(portal: PortalClient) -> list[tuple[str, Any]]:
    response = portal.http.get(
        f"/_b24crm/portals/{portal.hook.portal.id}/events",
        headers={"Authorization": f"Bearer {portal.runtime.admin_token}"},
    )
    assert response.status_code == 200, response.text
    return [(r["event"], r["data"]) for r in response.json()["result"] if "TIMELINECOMMENT" in r["event"]]


def _bind(portal: PortalClient, comment: int, owner: tuple[int, int]) -> None:
    with portal.runtime.db.write() as conn:
        timeline_store.add_binding(conn, portal.hook.portal.id, comment, owner)


@pytest.mark.parametrize("form", ["json", "form"])
def test_add_example_get_and_list(portal: PortalClient, form: str) -> None:
    """crm-timeline-comment-add.md, -get.md, -list.md: the examples' shapes."""
    deal = _deal(portal)
    png = base64.b64encode(_png(1, 1)).decode()
    fields = {
        "ENTITY_ID": deal,
        "ENTITY_TYPE": "deal",
        "COMMENT": "New comment was added",
        "FILES": [["1.png", png], ["notes.txt", base64.b64encode(b"hello").decode()]],
    }
    comment = portal.result("crm.timeline.comment.add", {"fields": fields}, form=form)
    assert isinstance(comment, int)
    got = portal.result("crm.timeline.comment.get", {"id": comment})
    assert list(got) == ["ID", "ENTITY_ID", "ENTITY_TYPE", "CREATED", "COMMENT", "AUTHOR_ID", "FILES"]
    assert got["ID"] == str(comment) and got["ENTITY_ID"] == str(deal) and got["ENTITY_TYPE"] == "deal"
    assert got["COMMENT"] == "New comment was added" and got["AUTHOR_ID"] == str(portal.hook.user.id)
    image, text = got["FILES"].values()
    assert (
        image["type"] == "image" and image["name"] == "1.png" and image["image"] == {"width": 1, "height": 1}
    )
    assert image["authorId"] == portal.hook.user.id and image["authorName"] == "Test Admin"
    assert set(image) >= {"id", "date", "size", "urlPreview", "urlShow", "urlDownload"}
    assert text["type"] == "file" and text["size"] == 5 and "image" not in text
    # The links work for the caller, and only with their token.
    shown = portal.http.get(text["urlShow"].replace("http://testserver", ""))
    assert shown.status_code == 200 and shown.content == b"hello"
    assert "inline" in shown.headers["content-disposition"]
    downloaded = portal.http.get(text["urlDownload"].replace("http://testserver", ""))
    assert downloaded.content == b"hello" and "attachment" in downloaded.headers["content-disposition"]
    forged = text["urlShow"].replace("http://testserver", "")[:-4] + "0000"
    assert portal.http.get(forged).status_code == 404
    listed = portal.raw("crm.timeline.comment.list", {"filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}})
    body = listed.json()
    assert body["total"] == 1 and body["result"][0]["ID"] == str(comment)


def test_list_order_select_and_pages(portal: PortalClient) -> None:
    """crm-timeline-comment-list.md: order by ID/CREATED/AUTHOR_ID, select, 50 a page."""
    deal = _deal(portal)
    ids = [_add(portal, deal, f"c{i}") for i in range(53)]
    page = portal.raw(
        "crm.timeline.comment.list",
        {
            "filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "DEAL"},
            "order": {"ID": "DESC"},
            "select": ["ID", "COMMENT"],
        },
    ).json()
    assert page["total"] == 53 and page["next"] == 50
    assert [r["ID"] for r in page["result"][:2]] == [str(ids[-1]), str(ids[-2])]
    assert list(page["result"][0]) == ["ID", "COMMENT"]
    second = portal.raw(
        "crm.timeline.comment.list",
        {"filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}, "order": {"ID": "DESC"}, "start": 50},
    ).json()
    assert [r["ID"] for r in second["result"]] == [str(i) for i in ids[2::-1]] and "next" not in second
    # Unknown order fields are ignored; an unknown direction sorts ascending.
    rows = portal.result(
        "crm.timeline.comment.list",
        {"filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}, "order": {"COMMENT": "DESC", "ID": "desc"}},
    )
    assert rows[0]["ID"] == str(ids[0])


def test_fields_answer_the_docs_example(portal: PortalClient) -> None:
    """crm-timeline-comment-fields.md: the example as written."""
    got = portal.result("crm.timeline.comment.fields")
    assert list(got) == ["ID", "CREATED", "ENTITY_ID", "ENTITY_TYPE", "AUTHOR_ID", "COMMENT", "FILES"]
    assert got["ENTITY_ID"] == {
        "type": "integer",
        "isRequired": True,
        "isReadOnly": False,
        "isImmutable": True,
        "isMultiple": False,
        "isDynamic": False,
        "title": "ID of the element the comment is attached to",
    }
    assert got["FILES"]["type"] == "attached_diskfile" and got["FILES"]["isMultiple"] is True


def test_add_errors(portal: PortalClient) -> None:
    """crm-timeline-comment-add.md: OWNER_NOT_FOUND, ACCESS_DENIED, INVALID_ARG_VALUE, 100."""
    deal = _deal(portal)
    call = "crm.timeline.comment.add"
    assert portal.error(call, {}) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {fields}"},
    )
    assert portal.error(call, {"fields": "x"})[1]["error"] == "100"
    for owner in ({"ENTITY_ID": 0, "ENTITY_TYPE": "deal"}, {"ENTITY_ID": deal, "ENTITY_TYPE": "nothing"}):
        assert portal.error(call, {"fields": {**owner, "COMMENT": "x"}}) == (400, OWNER_NOT_FOUND)
    assert portal.error(
        call, {"fields": {"ENTITY_ID": deal + 100, "ENTITY_TYPE": "deal", "COMMENT": "x"}}
    ) == (
        400,
        OWNER_NOT_FOUND,
    )
    empty = {"error": "INVALID_ARG_VALUE", "error_description": "Empty comment message"}
    assert portal.error(call, {"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "  "}}) == (
        400,
        empty,
    )
    reader = portal.restricted("2:read=all")
    assert reader.error(call, {"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "x"}}) == (
        400,
        DENIED,
    )
    # ENTITY_TYPE_ID names the owner too.
    assert portal.result(call, {"fields": {"ENTITY_ID": deal, "ENTITY_TYPE_ID": 2, "COMMENT": "x"}}) > 0


def test_get_and_list_errors(portal: PortalClient) -> None:
    """crm-timeline-comment-get.md and -list.md: the empty-code errors."""
    deal = _deal(portal)
    comment = _add(portal, deal)
    assert portal.error("crm.timeline.comment.get", {"id": 0}) == (
        400,
        {"error": "", "error_description": "ID is not defined or invalid."},
    )
    assert portal.error("crm.timeline.comment.get", {"id": comment + 100}) == (
        400,
        {"error": "", "error_description": "Not found."},
    )
    other = portal.restricted("3:read=all")
    denied = (400, {"error": "", "error_description": "Access denied."})
    assert other.error("crm.timeline.comment.get", {"id": comment}) == denied
    assert (
        other.error("crm.timeline.comment.list", {"filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}})
        == denied
    )
    assert portal.error("crm.timeline.comment.list", {"filter": {}}) == denied
    reader = portal.restricted("2:read=all")
    assert reader.result("crm.timeline.comment.get", {"id": comment})["ID"] == str(comment)


def test_update_and_delete_errors(portal: PortalClient) -> None:
    """crm-timeline-comment-update.md and -delete.md: NOT_FOUND, OWNER_NOT_FOUND, ACCESS_DENIED,
    INVALID_ARG_VALUE, MULTIPLE_BINDINGS, 100."""
    deal = _deal(portal)
    comment = _add(portal, deal)
    assert portal.error("crm.timeline.comment.update", {"id": comment})[1] == {
        "error": "100",
        "error_description": "Could not find value for parameter {fields}",
    }
    assert portal.error("crm.timeline.comment.update", {"id": "x", "fields": {"COMMENT": "y"}}) == (
        400,
        NOT_FOUND,
    )
    assert portal.error("crm.timeline.comment.delete", {"id": comment + 50}) == (400, NOT_FOUND)
    assert (
        portal.error("crm.timeline.comment.update", {"id": comment, "fields": {"COMMENT": ""}})[1]["error"]
        == "INVALID_ARG_VALUE"
    )
    assert portal.error(
        "crm.timeline.comment.update",
        {"id": comment, "fields": {"COMMENT": "y"}, "ownerTypeId": 7, "ownerId": 5},
    ) == (400, OWNER_NOT_FOUND)
    other = _deal(portal, "Other")
    assert portal.error(
        "crm.timeline.comment.delete", {"id": comment, "ownerTypeId": 2, "ownerId": other}
    ) == (400, NOT_FOUND)
    reader = portal.restricted("2:read=all")
    assert reader.error("crm.timeline.comment.delete", {"id": comment}) == (400, DENIED)
    assert reader.error("crm.timeline.comment.update", {"id": comment, "fields": {"COMMENT": "y"}}) == (
        400,
        DENIED,
    )
    _bind(portal, comment, (2, other))
    assert portal.error("crm.timeline.comment.delete", {"id": comment}) == (
        400,
        {"error": "MULTIPLE_BINDINGS", "error_description": "Entity has multiple bindings"},
    )


def test_update_and_delete_with_several_bindings(portal: PortalClient) -> None:
    """crm-timeline-comment-delete.md: with an owner given, only that binding goes; update copies."""
    deal, other = _deal(portal), _deal(portal, "Other")
    comment = _add(portal, deal, "shared")
    _bind(portal, comment, (2, other))
    copy = portal.result(
        "crm.timeline.comment.update",
        {"id": comment, "fields": {"COMMENT": "changed here"}, "ownerTypeId": 2, "ownerId": other},
    )
    assert copy != comment
    assert portal.result("crm.timeline.comment.get", {"id": copy})["COMMENT"] == "changed here"
    assert portal.result("crm.timeline.comment.get", {"id": comment})["COMMENT"] == "shared"
    _bind(portal, comment, (2, other))
    assert (
        portal.result("crm.timeline.comment.delete", {"id": comment, "ownerTypeId": 2, "ownerId": other})
        is None
    )
    listed = portal.result(
        "crm.timeline.comment.list", {"filter": {"ENTITY_ID": other, "ENTITY_TYPE": "deal"}}
    )
    assert [r["ID"] for r in listed] == [str(copy)]
    assert portal.result("crm.timeline.comment.get", {"id": comment})["ENTITY_ID"] == str(deal)


def test_update_replaces_text_and_files_and_events(portal: PortalClient) -> None:
    """crm-timeline-comment-update.md; events/on-Crm-Timeline-Comment-*.md in the outbox."""
    deal = _deal(portal)
    files = [["a.txt", base64.b64encode(b"a").decode()]]
    comment = _add(portal, deal, "one", FILES=files)
    assert (
        portal.result("crm.timeline.comment.update", {"id": comment, "fields": {"COMMENT": "two"}}) == comment
    )
    got = portal.result("crm.timeline.comment.get", {"id": comment})
    assert got["COMMENT"] == "two" and "FILES" not in got
    assert portal.result("crm.timeline.comment.delete", {"id": comment}) is None
    assert portal.error("crm.timeline.comment.get", {"id": comment})[1]["error_description"] == "Not found."
    assert _events(portal) == [
        ("ONCRMTIMELINECOMMENTADD", {"FIELDS": {"ID": comment}}),
        ("ONCRMTIMELINECOMMENTUPDATE", {"FIELDS": {"ID": comment}}),
        ("ONCRMTIMELINECOMMENTDELETE", {"FIELDS": {"ID": comment}}),
    ]


def test_events_are_bindable(portal: PortalClient) -> None:
    """on-Crm-Timeline-Comment-Add.md: the events belong to the crm scope."""
    with portal.runtime.db.read() as conn:
        known = catalogue.known_events(conn, portal.hook.portal.id)
    for name in ("ONCRMTIMELINECOMMENTADD", "ONCRMTIMELINECOMMENTUPDATE", "ONCRMTIMELINECOMMENTDELETE"):
        assert known[name] == "crm"


def test_smart_process_owner_and_owner_deletion(portal: PortalClient) -> None:
    """crm-timeline-comment-add.md: ENTITY_TYPE dynamic_<N>; deleting the item deletes its comments and
    unbinds those bound elsewhere too."""
    spa = portal.result("crm.type.add", {"fields": {"title": "Cars"}})["type"]["entityTypeId"]
    item = portal.result("crm.item.add", {"entityTypeId": spa, "fields": {"title": "Car"}})["item"]["id"]
    comment = portal.result(
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": item, "ENTITY_TYPE": f"dynamic_{spa}", "COMMENT": "vroom"}},
    )
    assert portal.result("crm.timeline.comment.get", {"id": comment})["ENTITY_TYPE"] == f"dynamic_{spa}"
    deal = _deal(portal)
    shared = _add(portal, deal, "shared")
    _bind(portal, shared, (spa, item))
    portal.result("crm.item.delete", {"entityTypeId": spa, "id": item})
    assert portal.error("crm.timeline.comment.get", {"id": comment})[1]["error_description"] == "Not found."
    assert portal.result("crm.timeline.comment.get", {"id": shared})["ENTITY_ID"] == str(deal)
    assert ("ONCRMTIMELINECOMMENTDELETE", {"FIELDS": {"ID": comment}}) in _events(portal)


def test_events_reach_a_bound_handler(settings: Settings, database: Database, clock: ManualClock) -> None:
    """events/on-Crm-Timeline-Comment-Add.md: a handler bound to the event receives it, with the ID."""
    receiver = EventReceiver()
    try:
        with event_portal(settings, database, clock) as portal:
            outgoing_hook(portal, "onCrmTimelineCommentAdd", receiver.url)
            comment = _add(portal, _deal(portal))
            assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
            (call,) = receiver.calls
            assert call["form"]["event"] == "ONCRMTIMELINECOMMENTADD"
            assert call["form"]["data[FIELDS][ID]"] == str(comment)
    finally:
        receiver.close()


def test_unicode_digits_in_entity_type_are_no_type(portal: PortalClient) -> None:
    """str.isdigit takes "²", which int() refuses: it must answer as an unknown type, not a 500."""
    for entity_type in ("²", "DYNAMIC_²"):
        response = portal.raw(
            "crm.timeline.comment.add",
            {"fields": {"ENTITY_ID": 1, "ENTITY_TYPE": entity_type, "COMMENT": "x"}},
        )
        assert response.status_code == 400, response.text


def test_list_reads_files_and_authors_once_per_page(portal: PortalClient) -> None:
    """A page of comments with files costs the same statements on the files and users tables whatever
    the number of comments on it (no read per comment)."""
    text = base64.b64encode(b"hello").decode()
    few, many = _deal(portal, "Few"), _deal(portal, "Many")
    for deal, count in ((few, 1), (many, 12)):
        for n in range(count):
            _add(
                portal,
                deal,
                f"C{n}",
                FILES=[[f"{n}.txt", text], [f"{n}.png", base64.b64encode(_png(2, 1)).decode()]],
            )

    def listed(deal: int) -> tuple[list[dict[str, Any]], int]:
        with statements_on("crm_timeline_files", "users") as seen:
            page = portal.result(
                "crm.timeline.comment.list", {"filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}}
            )
        return page, len(seen)

    listed(few)  # the caller's credentials are resolved and remembered on a first call
    one, on_one = listed(few)
    twelve, on_twelve = listed(many)
    assert len(one) == 1 and len(twelve) == 12
    assert on_twelve == on_one >= 2  # the files and their authors, each once
    user = portal.hook.user
    for comment in twelve:
        names = sorted(f["name"] for f in comment["FILES"].values())
        n = comment["COMMENT"][1:]
        assert names == [f"{n}.png", f"{n}.txt"]
        assert {f["authorName"] for f in comment["FILES"].values()} == {
            f"{user.name} {user.last_name}".strip()
        }
