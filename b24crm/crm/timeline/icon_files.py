"""The files behind the portal's own timeline icons and logos (crm.timeline.icon.* / logo.* ``fileUri``)
and behind applications' activity types (crm.activity.type.add ``ICON_FILE``), and the address each is
served at.

The vendor answers ``fileUri`` as a path on the portal's own domain (``/upload/crm/13f/<32>/<32>`` in the
docs), a static file anyone holding the path may fetch. Here every portal shares one host, so the path
names its portal, kind and row, and is signed with the file store's secret and the portal's member_id: a
path is good for that portal's file only (it cannot be guessed, or moved to another portal or row), and
stops working when the icon, the type or the portal is deleted. Who may read the portal's icons gets the
path from the answers (anyone in the portal, as the vendor's list is open to all).

Served as what the bytes are (icons and logos are PNGs by the add's check; a type's icon is any file):
PNG, GIF, JPEG, WebP or SVG as an image, anything else as an attachment.
"""

from __future__ import annotations

import hmac
import re

from b24crm.store import activity_types, tenancy
from b24crm.store import timeline_icons as icons
from b24crm.store.engine import Database
from b24crm.store.files import FileStore

TYPE_ICON = 3  # beside timeline_icons.ICON (1) and LOGO (2)
_SIGNED = "timeline-icon"
PATH = re.compile(r"/upload/crm/([0-9a-f]{3})/([0-9]{1,10})x([123])x([0-9]{1,10})/([0-9a-f]{32})")
OCTETS = "application/octet-stream"
SVG = "image/svg+xml"


def _mac(files: FileStore, portal_id: int, member_id: str, kind: int, row_id: int) -> str:
    return files.token(portal_id, kind, row_id, member_id, _SIGNED).rsplit(".", 1)[1]


def uri(files: FileStore, portal_id: int, member_id: str, kind: int, row_id: int) -> str:
    mac = _mac(files, portal_id, member_id, kind, row_id)
    return f"/upload/crm/{mac[:3]}/{portal_id}x{kind}x{row_id}/{mac}"


def content_type(name: str, content: bytes) -> str:
    """What the bytes are, from their first bytes (the name only tells an SVG, which has no signature)."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"BM"):
        return "image/bmp"
    if name.lower().endswith(".svg") or b"<svg" in content[:4096].lower():
        return SVG
    return OCTETS


def served(db: Database, files: FileStore, path: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of the file a signed path names, while it exists; None otherwise."""
    found = PATH.fullmatch(path)
    if found is None:
        return None
    head, portal_text, kind_text, row_text, mac = found.groups()
    portal_id, kind, row_id = int(portal_text), int(kind_text), int(row_text)
    if portal_id >= 2**31 or row_id >= 2**31:
        return None
    with db.read() as conn:
        portal = tenancy.portal_by_id(conn, portal_id)
        if portal is None:
            return None
        expected = _mac(files, portal_id, portal["member_id"], kind, row_id)
        if not (hmac.compare_digest(expected, mac) and head == expected[:3]):
            return None
        if kind == TYPE_ICON:
            icon = activity_types.icon(conn, portal_id, row_id)
            name, content = icon if icon is not None else ("", None)
        else:
            name, content = "icon.png", icons.content_by_id(conn, portal_id, kind, row_id)
    return None if content is None else (content, content_type(name, content))
