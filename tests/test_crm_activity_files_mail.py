"""Activity files (upload, FILES in list, download for authorised callers only) and the outgoing-mail log."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.store import crm_roles
from tests.client import FORMS, PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


def _deal(portal: PortalClient) -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": "Files deal"}}))


def _call(deal_id: int, **extra: object) -> dict[str, object]:
    return {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal_id,
        "TYPE_ID": 2,
        "SUBJECT": "Call with files",
        "COMMUNICATIONS": [{"VALUE": "+15550001"}],
        **extra,
    }


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _download(portal: PortalClient, url: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(url)
    return portal.http.get(f"{parts.path}?{parts.query}")


@pytest.mark.parametrize("form", FORMS)
def test_files_upload_list_download(portal: PortalClient, form: str) -> None:
    deal_id = _deal(portal)
    files = [{"fileData": ["notes.txt", _encoded("hello")]}, {"fileData": [_encoded("nameless")]}]
    activity_id = portal.result("crm.activity.add", {"fields": _call(deal_id, FILES=files)}, form=form)
    listed = portal.result("crm.activity.list", {"filter": {"ID": activity_id}, "select": ["ID", "FILES"]})
    assert [sorted(row) for row in listed] == [["FILES", "ID"]]
    entries = listed[0]["FILES"]
    assert [type(e["id"]) for e in entries] == [int, int]
    url = entries[0]["url"]
    assert "/bitrix/tools/crm_show_file.php?" in url
    assert f"fileId={entries[0]['id']}&ownerTypeId=6&ownerId={activity_id}&auth=" in url
    response = _download(portal, url)
    assert response.status_code == 200 and response.content == b"hello"
    assert "notes.txt" in response.headers["content-disposition"]
    assert _download(portal, entries[1]["url"]).content == b"nameless"
    # get lists the files too; an activity without files has no FILES key at all.
    assert [f["id"] for f in portal.result("crm.activity.get", {"id": activity_id})["FILES"]] == [
        e["id"] for e in entries
    ]
    plain = portal.result("crm.activity.add", {"fields": _call(deal_id)})
    assert "FILES" not in portal.result("crm.activity.get", {"id": plain})


def test_bad_uploads_are_skipped_and_tokens_checked(portal: PortalClient) -> None:
    deal_id = _deal(portal)
    files = [{"fileData": "not-a-list"}, 7, {"fileData": ["a.txt", _encoded("A")]}]
    activity_id = portal.result("crm.activity.add", {"fields": _call(deal_id, FILES=files)})
    (entry,) = portal.result("crm.activity.get", {"id": activity_id})["FILES"]
    forged = entry["url"].rsplit("auth=", 1)[0] + "auth=1.1.deadbeef"
    assert _download(portal, forged).status_code == 404
    assert portal.http.get("/bitrix/tools/crm_show_file.php?fileId=abc").status_code == 404


def test_update_replaces_files_and_delete_removes_them(portal: PortalClient) -> None:
    deal_id = _deal(portal)
    files = [{"fileData": ["old.txt", _encoded("old")]}]
    activity_id = portal.result("crm.activity.add", {"fields": _call(deal_id, FILES=files)})
    (old,) = portal.result("crm.activity.get", {"id": activity_id})["FILES"]
    # No new upload: the files stay (the vendor cannot clear them this way either).
    portal.result("crm.activity.update", {"id": activity_id, "fields": {"SUBJECT": "Renamed", "FILES": []}})
    assert portal.result("crm.activity.get", {"id": activity_id})["FILES"] == [old]
    new_files = [{"fileData": ["new.txt", _encoded("new")]}]
    assert portal.result("crm.activity.update", {"id": activity_id, "fields": {"FILES": new_files}}) is True
    (new,) = portal.result("crm.activity.get", {"id": activity_id})["FILES"]
    assert new["id"] != old["id"] and _download(portal, new["url"]).content == b"new"
    assert _download(portal, old["url"]).status_code == 404
    portal.result("crm.activity.delete", {"id": activity_id})
    assert _download(portal, new["url"]).status_code == 404
    stored = list(portal.runtime.settings.files_path.rglob("*.txt"))
    assert stored == []


def test_download_needs_read_access(portal: PortalClient) -> None:
    deal_id = _deal(portal)
    activity_id = portal.result(
        "crm.activity.add", {"fields": _call(deal_id, FILES=[{"fileData": ["s.txt", _encoded("secret")]}])}
    )
    seller = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    outsider = portal.with_webhook(seller.id, ("crm",))
    # With the portal open to everyone, the seller sees the activity and its file...
    (entry,) = outsider.result("crm.activity.get", {"id": activity_id})["FILES"]
    assert _download(outsider, entry["url"]).content == b"secret"
    # ...until a role takes deals away from them: the same link stops working.
    with portal.runtime.db.write() as conn:
        role_id = create_role(
            conn, portal.hook.portal.id, name="No deals", permissions=dict([parse_grant("2:*=none")])
        )
        crm_roles.assign(conn, portal.hook.portal.id, seller.id, role_id)
    assert _download(outsider, entry["url"]).status_code == 404


def _email(deal_id: int, **extra: object) -> dict[str, object]:
    return {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal_id,
        "TYPE_ID": 4,
        "SUBJECT": "Offer",
        "DESCRIPTION": "Hello <b>there</b>",
        "DESCRIPTION_TYPE": 3,
        "DIRECTION": 2,
        "COMPLETED": "Y",
        "COMMUNICATIONS": [{"VALUE": "client@example.com", "ENTITY_TYPE_ID": 2, "ENTITY_ID": deal_id}],
        "SETTINGS": {"MESSAGE_FROM": "Sales Team <sales@example.com>"},
        **extra,
    }


def _mail_log(portal: PortalClient) -> list[dict[str, object]]:
    response = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/mail", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_outgoing_email_is_logged_not_sent(portal: PortalClient) -> None:
    deal_id = _deal(portal)
    activity_id = portal.result("crm.activity.add", {"fields": _email(deal_id)})
    (message,) = _mail_log(portal)
    assert message["activity_id"] == activity_id
    assert message["sender"] == "Sales Team <sales@example.com>"
    assert message["recipients"] == ["client@example.com"]
    assert message["subject"] == "Offer" and message["body"] == "Hello <b>there</b>"
    assert message["body_type"] == 3 and message["copy_to_sender"] is True
    # Not outgoing, or not completed: stored silently, nothing logged.
    portal.result("crm.activity.add", {"fields": _email(deal_id, COMPLETED="N")})
    portal.result("crm.activity.add", {"fields": _email(deal_id, DIRECTION=1)})
    assert len(_mail_log(portal)) == 1
    no_copy = _email(deal_id, SETTINGS={"MESSAGE_FROM": "a@example.com", "DISABLE_SENDING_MESSAGE_COPY": "Y"})
    portal.result("crm.activity.add", {"fields": no_copy})
    assert _mail_log(portal)[-1]["copy_to_sender"] is False


def test_email_send_errors_keep_the_activity(portal: PortalClient) -> None:
    deal_id = _deal(portal)
    bad_sender = _email(deal_id, SETTINGS={"MESSAGE_FROM": "Nobody <not-an-address>"})
    assert portal.error("crm.activity.add", {"fields": bad_sender}) == (
        400,
        {"error": "", "error_description": "Email send error. Invalid email is specified."},
    )
    no_recipient = _email(deal_id, COMMUNICATIONS=[{"VALUE": "+1555", "TYPE": "PHONE"}])
    # A phone among an e-mail's communications is dropped: nothing left, so nothing is stored.
    assert portal.error("crm.activity.add", {"fields": no_recipient}) == (
        400,
        {"error": "", "error_description": "The field COMMUNICATIONS is not defined or invalid."},
    )
    # No MESSAGE_FROM and a responsible user without a mailbox: "From" is not found.
    nobody = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="No mail")
    without_sender = _email(deal_id, SETTINGS={}, RESPONSIBLE_ID=nobody.id)
    assert portal.error("crm.activity.add", {"fields": without_sender}) == (
        400,
        {"error": "", "error_description": 'Email send error. "From" is not found.'},
    )
    kept = portal.result("crm.activity.list", {"filter": {"TYPE_ID": 4}, "select": ["ID", "SUBJECT"]})
    assert len(kept) == 2 and _mail_log(portal) == []
    # The responsible user's own address is the sender when MESSAGE_FROM is empty.
    portal.result("crm.activity.add", {"fields": _email(deal_id, SETTINGS={})})
    assert _mail_log(portal)[-1]["sender"] == "admin@example.com"


def test_events_are_written_with_each_change(portal: PortalClient) -> None:
    deal_id = _deal(portal)
    activity_id = portal.result("crm.activity.add", {"fields": _call(deal_id)})
    portal.result("crm.activity.update", {"id": activity_id, "fields": {"SUBJECT": "Again"}})
    portal.result("crm.activity.delete", {"id": activity_id})
    # A refused change writes nothing.
    portal.error("crm.activity.update", {"id": activity_id, "fields": {"SUBJECT": "Gone"}})
    response = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/events", headers=ADMIN)
    events = [(e["event"], e["data"]) for e in response.json()["result"]]
    assert events == [
        ("ONCRMDEALADD", {"FIELDS": {"ID": deal_id}}),
        ("ONCRMACTIVITYADD", {"FIELDS": {"ID": activity_id}}),
        ("ONCRMACTIVITYUPDATE", {"FIELDS": {"ID": activity_id}}),
        ("ONCRMACTIVITYDELETE", {"FIELDS": {"ID": activity_id}}),
    ]
    later = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/events?after=3", headers=ADMIN)
    assert [e["event"] for e in later.json()["result"]] == ["ONCRMACTIVITYDELETE"]


def test_the_link_secret_is_made_whole_and_shared(tmp_path: Path) -> None:
    from b24crm.store.files import FileStore

    (tmp_path / ".url-secret").write_bytes(b"half")  # left short by a crash while it was written
    first = FileStore(tmp_path)._secret()
    assert len(first) == 32
    assert FileStore(tmp_path)._secret() == first  # a second server reads the same key
    assert [p.name for p in tmp_path.iterdir()] == [".url-secret"]
