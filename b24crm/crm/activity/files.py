"""Files attached to activities: decoded from the ``FILES`` input, kept on disk, listed with a download URL
that works for the caller who was shown it, for as long as they may read the activity.

Input (``tryInternalizeDiskFileField``): each entry an object whose ``fileData`` is ``[name, base64]`` or
``[base64]`` (a random name); anything else, and base64 that does not decode, is skipped silently. Output:
``FILES: [{"id", "url"}]`` with the vendor's ``/bitrix/tools/crm_show_file.php`` address.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path
from typing import Any

from b24crm.crm.activity import access
from b24crm.crm.downloads import link_holder
from b24crm.store import crm_activities
from b24crm.store.engine import Database
from b24crm.store.files import FileStore, Upload


def parse_uploads(value: Any) -> list[Upload]:
    entries = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    uploads = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        data = entry.get("fileData")
        if isinstance(data, dict):
            data = [data[k] for k in sorted(data, key=str)]
        if not isinstance(data, list) or not data or not all(isinstance(v, str) for v in data):
            continue
        name, encoded = (data[0], data[1]) if len(data) > 1 else (secrets.token_hex(16), data[0])
        try:
            content = decode_base64(encoded)
        except (binascii.Error, ValueError):
            continue
        uploads.append(Upload(display_name(name), content))
    return uploads


# Decoding 40 MB of base64 in one call holds the interpreter for 0.2 s, and with it every other request;
# slices of this size take about a millisecond each.
_DECODE_SLICE = 1024 * 1024


def decode_base64(encoded: str) -> bytes:
    """``base64.b64decode(encoded, validate=False)``, in slices when it is long. A slice is decoded
    strictly: clean base64 decodes the same either way, and anything else (characters outside the
    alphabet, padding before the end) is decoded whole as before, where it may be skipped over."""
    if len(encoded) <= _DECODE_SLICE or not encoded.isascii() or encoded.find("=", 0, len(encoded) - 2) >= 0:
        # Padding before the end ends the decoding there; a slice that ends on it would not.
        return base64.b64decode(encoded, validate=False)
    parts = []
    try:
        for start in range(0, len(encoded), _DECODE_SLICE):
            parts.append(binascii.a2b_base64(encoded[start : start + _DECODE_SLICE], strict_mode=True))
    except binascii.Error:
        return base64.b64decode(encoded, validate=False)
    return b"".join(parts)


def display_name(name: str) -> str:
    """The name shown for a file: its last path part, without control characters, at most 255 bytes of
    UTF-8 (the bytes on disk are stored under a name of our own)."""
    base = "".join(ch for ch in Path(name).name if ch >= " " and ch != "\x7f").strip()
    encoded = base.encode("utf-8")[:255]
    return encoded.decode("utf-8", "ignore") or secrets.token_hex(16)


def downloadable(db: Database, store: FileStore, file_id: int, token: str) -> tuple[Path, str, str] | None:
    """(path, name, content type) of a file the token's holder may read now; None otherwise."""
    with db.read() as conn:
        holder = link_holder(conn, token, lambda t, member_id: store.check_token(t, file_id, member_id))
        if holder is None:
            return None
        portal_id, grants = holder
        row = crm_activities.file_by_id(conn, portal_id, file_id)
        activity = crm_activities.get_activity(conn, portal_id, row["activity_id"]) if row else None
        if row is None or activity is None:
            return None
        bindings = crm_activities.bindings_of(conn, portal_id, [activity["id"]])[activity["id"]]
        if not access.may_read(conn, portal_id, grants, activity, bindings):
            return None
    path = store.path_of(row)
    return (path, row["name"], row["content_type"]) if path.is_file() else None
