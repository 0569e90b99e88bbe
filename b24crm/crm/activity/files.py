"""Files attached to activities: decoded from the ``FILES`` input, kept on disk, listed with a download URL
that works for the caller who was shown it, for as long as they may read the activity.

Input (``tryInternalizeDiskFileField``): each entry an object whose ``fileData`` is ``[name, base64]`` or
``[base64]`` (a random name); anything else, and base64 that does not decode, is skipped silently. Output:
``FILES: [{"id", "url"}]`` with the vendor's ``/bitrix/tools/crm_show_file.php`` address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import mimetypes
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Connection

from b24crm.auth.models import User
from b24crm.crm.activity import access
from b24crm.crm.permissions import grants_for
from b24crm.store import crm_activities, tenancy

SHOW_FILE_PATH = "/bitrix/tools/crm_show_file.php"
ACTIVITY_OWNER_TYPE = 6  # files are shown with ownerTypeId=6 (Activity), ownerId=<activity id>


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


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
        uploads.append(Upload(_display_name(name), content))
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


def _display_name(name: str) -> str:
    """The name shown for a file: its last path part, without control characters, at most 255 bytes of
    UTF-8 (the bytes on disk are stored under a name of our own)."""
    base = "".join(ch for ch in Path(name).name if ch >= " " and ch != "\x7f").strip()
    encoded = base.encode("utf-8")[:255]
    return encoded.decode("utf-8", "ignore") or secrets.token_hex(16)


_TOKEN = re.compile(r"^(\d{1,10})\.(\d{1,10})\.[0-9a-f]{32}$")


class FileStore:
    """Bytes on disk under one directory; rows in ``crm_activity_files``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._key: bytes | None = None

    def _secret(self) -> bytes:
        # Kept beside the files, so that links survive a restart and every server sharing them agrees.
        if self._key is None:
            path = self.root / ".url-secret"
            self.root.mkdir(parents=True, exist_ok=True)
            key = path.read_bytes() if path.exists() else b""
            if len(key) < 32:
                # Written whole under another name, then linked into place: a reader never sees half a
                # key, and of two servers starting together the first link wins for both. A short file
                # (a crash or a full disk while an older version wrote it) is replaced.
                made = path.with_name(f".url-secret.{secrets.token_hex(8)}")
                made.write_bytes(secrets.token_bytes(32))
                try:
                    if key:
                        os.replace(made, path)
                    else:
                        os.link(made, path)
                except FileExistsError:
                    pass
                finally:
                    made.unlink(missing_ok=True)
                key = path.read_bytes()
            self._key = key
        return self._key

    def save(
        self, conn: Connection, portal_id: int, activity_id: int, uploads: list[Upload], now: float
    ) -> list[Path]:
        """Rows and bytes for ``uploads``; the written paths, for clean-up if the transaction fails."""
        written = []
        for upload in uploads:
            suffix = "".join(ch for ch in Path(upload.name).suffix[:16] if ch.isalnum() or ch == ".")
            relative = Path(str(portal_id)) / str(activity_id) / f"{secrets.token_hex(12)}{suffix}"
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(upload.content)
            written.append(target)
            crm_activities.insert_file(
                conn,
                portal_id,
                {
                    "activity_id": activity_id,
                    "name": upload.name,
                    "size": len(upload.content),
                    "content_type": mimetypes.guess_type(upload.name)[0] or "application/octet-stream",
                    "path": str(relative),
                    "created": now,
                },
            )
        return written

    def path_of(self, row: dict[str, Any]) -> Path:
        return self.root / row["path"]

    def discard(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    def discard_portal(self, portal_id: int) -> None:
        """Every file of a deleted portal (its rows went with it): a later portal may get its id back."""
        shutil.rmtree(self.root / str(portal_id), ignore_errors=True)

    def token(self, portal_id: int, user_id: int, file_id: int, member_id: str) -> str:
        # The portal's member_id is signed too: a portal made after one was deleted may get its id back.
        message = f"{portal_id}.{member_id}.{user_id}.{file_id}".encode()
        digest = hmac.new(self._secret(), message, hashlib.sha256).hexdigest()[:32]
        return f"{portal_id}.{user_id}.{digest}"

    @staticmethod
    def token_holder(token: str) -> tuple[int, int] | None:
        """(portal, user) a token names, before it is checked; None when it is no token of ours."""
        found = _TOKEN.match(token) if token.isascii() else None
        return (int(found.group(1)), int(found.group(2))) if found else None

    def check_token(self, token: str, file_id: int, member_id: str) -> bool:
        holder = self.token_holder(token)
        if holder is None:
            return False
        return hmac.compare_digest(self.token(holder[0], holder[1], file_id, member_id), token)

    def url(self, base_url: str, portal_id: int, user_id: int, member_id: str, row: dict[str, Any]) -> str:
        query = urlencode(
            {
                "fileId": row["id"],
                "ownerTypeId": ACTIVITY_OWNER_TYPE,
                "ownerId": row["activity_id"],
                "auth": self.token(portal_id, user_id, row["id"], member_id),
            }
        )
        return f"{base_url}{SHOW_FILE_PATH}?{query}"


def downloadable(runtime: Any, file_id: int, token: str) -> tuple[Path, str, str] | None:
    """(path, name, content type) of a file the token's holder may read now; None otherwise."""
    store = runtime.files
    holder = store.token_holder(token)
    if holder is None:
        return None
    portal_id, user_id = holder
    with runtime.db.read() as conn:
        portal = tenancy.portal_by_id(conn, portal_id)
        if portal is None or not store.check_token(token, file_id, portal["member_id"]):
            return None
        row = crm_activities.file_by_id(conn, portal_id, file_id)
        user = tenancy.user_by_id(conn, portal_id, user_id)
        if row is None or user is None or not user["active"]:
            return None
        activity = crm_activities.get_activity(conn, portal_id, row["activity_id"])
        if activity is None:
            return None
        grants = grants_for(conn, portal_id, User.from_row(user))
        bindings = crm_activities.bindings_of(conn, portal_id, [activity["id"]])[activity["id"]]
        if not access.may_read(conn, portal_id, grants, activity, bindings):
            return None
    path = store.path_of(row)
    return (path, row["name"], row["content_type"]) if path.is_file() else None
