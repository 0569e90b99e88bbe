"""A contact's PHOTO and a company's LOGO: uploaded as the docs show (``fileData``), kept as files, answered
with links that download for the caller who was shown them, replaced and removed."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from b24crm.crm import item_files
from tests.client import PortalClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
GIF = b"GIF89a" + bytes(range(32))


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _fetch(portal: PortalClient, url: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(url)
    return portal.http.get(f"{parts.path}?{parts.query}")


def test_a_contact_photo_is_stored_and_answered_with_its_links(portal: PortalClient) -> None:
    contact = portal.result(
        "crm.contact.add", {"fields": {"NAME": "Ann", "PHOTO": {"fileData": ["ann.png", _b64(PNG)]}}}
    )
    photo = portal.result("crm.contact.get", {"id": contact})["PHOTO"]
    assert set(photo) == {"id", "showUrl", "downloadUrl"} and isinstance(photo["id"], int)
    shown = _fetch(portal, photo["showUrl"])
    assert (shown.status_code, shown.content) == (200, PNG)
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    saved = _fetch(portal, photo["downloadUrl"])
    assert saved.status_code == 200 and saved.headers["content-disposition"].startswith("attachment")
    # crm.item.get shows the same file the way it shows files.
    item = portal.result("crm.item.get", {"entityTypeId": 3, "id": contact})["item"]["photo"]
    assert set(item) == {"id", "url", "urlMachine"} and item["id"] == photo["id"]
    assert _fetch(portal, item["url"]).content == PNG
    # In a list too.
    listed = portal.result("crm.contact.list", {"filter": {"ID": contact}, "select": ["ID", "PHOTO"]})
    assert listed[0]["PHOTO"]["id"] == photo["id"]

    # A link for another file id, or with its signature changed, shows nothing.
    tampered = photo["showUrl"].replace(f"fileId={photo['id']}", f"fileId={photo['id'] + 1}")
    assert _fetch(portal, tampered).status_code == 404
    assert (
        _fetch(portal, photo["showUrl"][:-1] + ("0" if photo["showUrl"][-1] != "0" else "1")).status_code
        == 404
    )

    # Replaced: a new file, the old link gone; an answer's own {id, ...} sent back keeps the file.
    portal.result(
        "crm.contact.update", {"id": contact, "fields": {"PHOTO": {"fileData": ["a.gif", _b64(GIF)]}}}
    )
    newer = portal.result("crm.contact.get", {"id": contact})["PHOTO"]
    assert newer["id"] != photo["id"] and _fetch(portal, newer["showUrl"]).content == GIF
    assert _fetch(portal, photo["showUrl"]).status_code == 404
    portal.result("crm.contact.update", {"id": contact, "fields": {"PHOTO": newer, "NAME": "Anna"}})
    assert portal.result("crm.contact.get", {"id": contact})["PHOTO"]["id"] == newer["id"]

    # Removed.
    portal.result("crm.contact.update", {"id": contact, "fields": {"PHOTO": {"remove": "Y"}}})
    assert portal.result("crm.contact.get", {"id": contact})["PHOTO"] is None
    assert _fetch(portal, newer["showUrl"]).status_code == 404


def test_a_photo_goes_with_its_contact_and_is_read_as_the_contact_is(portal: PortalClient) -> None:
    contact = portal.result("crm.contact.add", {"fields": {"NAME": "Bo", "PHOTO": {"fileData": _b64(PNG)}}})
    photo = portal.result("crm.contact.get", {"id": contact})["PHOTO"]
    assert _fetch(portal, photo["showUrl"]).status_code == 200  # a bare base64 string gets a name of its own
    # A seller who may read only their own contacts is shown no photo; one who reads all gets links of
    # their own, which download.
    assert portal.restricted("3:*=own").error("crm.contact.get", {"id": contact})[0] == 400
    reader = portal.restricted("3:read=all").result("crm.contact.get", {"id": contact})["PHOTO"]
    assert reader["showUrl"] != photo["showUrl"] and _fetch(portal, reader["showUrl"]).content == PNG
    portal.result("crm.contact.delete", {"id": contact})
    assert _fetch(portal, photo["showUrl"]).status_code == 404


def test_a_company_logo_and_what_is_refused(portal: PortalClient) -> None:
    company = portal.result(
        "crm.company.add", {"fields": {"TITLE": "Acme", "LOGO": {"fileData": ["logo.gif", _b64(GIF)]}}}
    )
    logo = portal.result("crm.company.get", {"id": company})["LOGO"]
    assert _fetch(portal, logo["downloadUrl"]).content == GIF
    # Not an image, not base64, not an upload: the field's error, and nothing stored.
    for value in (
        {"fileData": ["notes.txt", _b64(b"plain text")]},
        {"fileData": ["x.png", "%%%"]},
        "a.png",
        [1],
    ):
        status, body = portal.error("crm.contact.add", {"fields": {"NAME": "Cy", "PHOTO": value}})
        assert status == 400 and "Photo" in body["error_description"], (value, body)
    assert portal.result("crm.contact.list", {"filter": {"NAME": "Cy"}}) == []


def test_file_fields_cache_stays_bounded_whatever_types_are_named() -> None:
    # A download link's ownerTypeId reaches this lookup: naming many types must not grow it without end.
    for entity_type_id in range(10_000, 12_000):
        assert item_files.file_fields(entity_type_id) == ()
    assert item_files.file_fields.cache_info().currsize <= 256
    assert item_files.file_fields(3) == ("photo",)


def test_a_photo_is_served_as_what_its_bytes_are_not_as_its_name_says(portal: PortalClient) -> None:
    page = PNG + b"<html><script>alert(1)</script></html>"
    contact = portal.result(
        "crm.contact.add", {"fields": {"NAME": "Eve", "PHOTO": {"fileData": ["eve.html", _b64(page)]}}}
    )
    photo = portal.result("crm.contact.get", {"id": contact})["PHOTO"]
    shown = _fetch(portal, photo["showUrl"])
    assert (shown.status_code, shown.content) == (200, page)
    assert shown.headers["content-type"] == "image/png"
