"""crm.timeline.icon.* and crm.timeline.logo.* through HTTP, on SQLite and PostgreSQL (docs:
api-reference/crm/timeline/logmessage/{icons,logo}/*.md; reference: crm.md §5.6)."""

from __future__ import annotations

import base64
import struct
import zlib
from types import SimpleNamespace

from b24crm.crm import timeline_icons
from b24crm.crm.layout.codes import SYSTEM_ICONS, SYSTEM_LOGOS
from tests.apps_support import install
from tests.client import PortalClient


def png(width: int, height: int) -> str:
    """A transparent PNG of the size, base64-encoded as fileContent takes it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * (4 * width) for _ in range(height))
    raw = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(raw).decode()


def test_lists_start_with_the_system_codes(portal: PortalClient) -> None:
    body = portal.call("crm.timeline.icon.list")
    assert body["result"]["icons"] == [{"code": c, "isSystem": True, "fileUri": ""} for c in SYSTEM_ICONS]
    assert body["total"] == len(SYSTEM_ICONS)
    body = portal.call("crm.timeline.logo.list")
    assert body["result"]["logos"] == [{"code": c, "isSystem": True, "fileUri": ""} for c in SYSTEM_LOGOS]
    assert body["total"] == len(SYSTEM_LOGOS)
    assert portal.result("crm.timeline.icon.get", {"code": "call"}) == {
        "icon": {"code": "call", "isSystem": True, "fileUri": ""}
    }
    assert portal.result("crm.timeline.logo.get", {"code": "zoom"})["logo"]["isSystem"] is True


def test_a_custom_icon_is_added_listed_read_and_deleted(portal: PortalClient) -> None:
    added = portal.result("crm.timeline.icon.add", {"code": "info-custom", "fileContent": png(24, 24)})[
        "icon"
    ]
    assert added["code"] == "info-custom" and added["isSystem"] is False
    assert added["fileUri"].startswith("/upload/crm/")
    listed = portal.call("crm.timeline.icon.list")
    assert listed["result"]["icons"][-1] == added and listed["total"] == len(SYSTEM_ICONS) + 1
    assert portal.result("crm.timeline.icon.get", {"code": "info-custom"}) == {"icon": added}
    # Logos are a list of their own.
    status, body = portal.error("crm.timeline.logo.get", {"code": "info-custom"})
    assert (status, body) == (
        400,
        {"error": "NOT_FOUND", "error_description": "Logo not found for code `info-custom`"},
    )
    assert portal.result("crm.timeline.icon.delete", {"code": "info-custom"}) is True
    status, body = portal.error("crm.timeline.icon.get", {"code": "info-custom"})
    assert (status, body) == (
        400,
        {"error": "NOT_FOUND", "error_description": "Icon not found for code `info-custom`"},
    )
    status, body = portal.error("crm.timeline.icon.delete", {"code": "info-custom"})
    assert (status, body["error"]) == (400, "NOT_FOUND")
    # A system code is not the portal's to delete.
    status, body = portal.error("crm.timeline.icon.delete", {"code": "call"})
    assert (status, body["error"]) == (400, "NOT_FOUND")


def test_a_custom_logo_needs_a_60px_png(portal: PortalClient) -> None:
    status, body = portal.error("crm.timeline.logo.add", {"code": "brand", "fileContent": png(24, 24)})
    assert (status, body) == (
        400,
        {"error": "INVALID_ARG_VALUE", "error_description": "Only png 60px on 60px is supported"},
    )
    added = portal.result("crm.timeline.logo.add", {"code": "brand", "fileContent": png(60, 60)})["logo"]
    assert added["code"] == "brand" and added["isSystem"] is False
    assert portal.call("crm.timeline.logo.list")["result"]["logos"][-1] == added


def test_add_refuses_bad_files_and_codes(portal: PortalClient) -> None:
    status, body = portal.error("crm.timeline.icon.add", {"code": "x", "fileContent": ""})
    assert (status, body) == (400, {"error": "INVALID_ARG_VALUE", "error_description": "Invalid image"})
    not_png = base64.b64encode(b"GIF89a" + b"\x00" * 40).decode()
    for content in (not_png, png(25, 24)):
        status, body = portal.error("crm.timeline.icon.add", {"code": "x", "fileContent": content})
        assert (status, body) == (
            400,
            {"error": "INVALID_ARG_VALUE", "error_description": "Only png 24px on 24px is supported"},
        )
    status, body = portal.error("crm.timeline.icon.add", {"code": "call", "fileContent": png(24, 24)})
    assert (status, body["error_description"]) == (400, "call is reserved word and cannot be used")
    portal.result("crm.timeline.icon.add", {"code": "mine", "fileContent": png(24, 24)})
    status, body = portal.error("crm.timeline.icon.add", {"code": "mine", "fileContent": png(24, 24)})
    assert (status, body["error_description"]) == (400, "Code must be unique")
    status, body = portal.error("crm.timeline.icon.add", {"code": "", "fileContent": png(24, 24)})
    assert status == 400
    # Required arguments: the binder's error 100.
    status, body = portal.error("crm.timeline.icon.add", {"code": "other"})
    assert (status, body) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {fileContent}"},
    )
    status, body = portal.error("crm.timeline.logo.get", {})
    assert (status, body["error"]) == (400, "100")


def test_only_administrators_add_and_delete_and_anyone_reads(portal: PortalClient) -> None:
    portal.result("crm.timeline.icon.add", {"code": "mine", "fileContent": png(24, 24)})
    seller = portal.restricted("2:read=all")
    for method, params in (
        ("crm.timeline.icon.add", {"code": "theirs", "fileContent": png(24, 24)}),
        ("crm.timeline.icon.delete", {"code": "mine"}),
        ("crm.timeline.logo.add", {"code": "theirs", "fileContent": png(60, 60)}),
        ("crm.timeline.logo.delete", {"code": "mine"}),
    ):
        status, body = seller.error(method, params)
        assert (status, body) == (400, {"error": "ACCESS_DENIED", "error_description": "Access denied"}), (
            method
        )
    assert seller.result("crm.timeline.icon.get", {"code": "mine"})["icon"]["code"] == "mine"
    assert seller.call("crm.timeline.icon.list")["total"] == len(SYSTEM_ICONS) + 1


def test_custom_codes_are_the_portals_own(app_portal: PortalClient) -> None:
    app_portal.result("crm.timeline.icon.add", {"code": "icon-a", "fileContent": png(24, 24)})
    app_portal.result("crm.timeline.logo.add", {"code": "logo-a", "fileContent": png(60, 60)})
    other = PortalClient.create(app_portal.runtime, app_portal.http)
    assert other.call("crm.timeline.icon.list")["total"] == len(SYSTEM_ICONS)
    app = install(app_portal, "http://app.test/install")
    assert app.api.result("crm.timeline.icon.get", {"code": "icon-a"})["icon"]["isSystem"] is False
    # What the configurable-activity validator is given besides the system codes: the portal's own.
    caller = SimpleNamespace(db=app_portal.runtime.db, portal=app_portal.hook.portal)
    assert timeline_icons.custom_codes(caller) == (["icon-a"], ["logo-a"])  # type: ignore[arg-type]
    other_caller = SimpleNamespace(db=app_portal.runtime.db, portal=other.hook.portal)
    assert timeline_icons.custom_codes(other_caller) == ([], [])  # type: ignore[arg-type]
