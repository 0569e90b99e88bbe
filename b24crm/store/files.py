"""Activity files' bytes on disk under one directory, their rows in ``crm_activity_files``, and the signed
download links crm.activity.* answers with (the vendor's ``/bitrix/tools/crm_show_file.php`` address)."""

from __future__ import annotations

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

from b24crm.store import crm_activities

SHOW_FILE_PATH = "/bitrix/tools/crm_show_file.php"
ACTIVITY_OWNER_TYPE = 6  # files are shown with ownerTypeId=6 (Activity), ownerId=<activity id>
# Timeline records' files (comments) are disk files on the vendor's side, shown and downloaded at these
# addresses (docs: crm-timeline-comment-get.md, ``urlShow`` / ``urlDownload``).
DISK_SHOW_PATH = "/disk/showFile/{file_id}/"
DISK_DOWNLOAD_PATH = "/disk/downloadFile/{file_id}/"
# Signed apart from activity files: the two kinds number their files independently.
_TIMELINE_DOMAIN = "timeline"


@dataclass(frozen=True)
class Upload:
    """A file as it came in: its display name and bytes."""

    name: str
    content: bytes


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

    def write(self, portal_id: int, folder: str, upload: Upload) -> tuple[Path, str]:
        """The bytes of ``upload`` on disk under the portal's ``folder``: (absolute path, the relative path
        to keep in the file's row)."""
        suffix = "".join(ch for ch in Path(upload.name).suffix[:16] if ch.isalnum() or ch == ".")
        relative = Path(str(portal_id)) / folder / f"{secrets.token_hex(12)}{suffix}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(upload.content)
        return target, str(relative)

    def path_of(self, row: dict[str, Any]) -> Path:
        return self.root / row["path"]

    def discard(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    def discard_portal(self, portal_id: int) -> None:
        """Every file of a deleted portal (its rows went with it): a later portal may get its id back."""
        shutil.rmtree(self.root / str(portal_id), ignore_errors=True)

    def token(self, portal_id: int, user_id: int, file_id: int, member_id: str, domain: str = "") -> str:
        # The portal's member_id is signed too: a portal made after one was deleted may get its id back.
        message = f"{portal_id}.{member_id}.{user_id}.{file_id}".encode()
        if domain:
            message = f"{domain}.".encode() + message
        digest = hmac.new(self._secret(), message, hashlib.sha256).hexdigest()[:32]
        return f"{portal_id}.{user_id}.{digest}"

    @staticmethod
    def token_holder(token: str) -> tuple[int, int] | None:
        """(portal, user) a token names, before it is checked; None when it is no token of ours."""
        found = _TOKEN.match(token) if token.isascii() else None
        return (int(found.group(1)), int(found.group(2))) if found else None

    def check_token(self, token: str, file_id: int, member_id: str, domain: str = "") -> bool:
        holder = self.token_holder(token)
        if holder is None:
            return False
        return hmac.compare_digest(self.token(holder[0], holder[1], file_id, member_id, domain), token)

    def check_timeline_token(self, token: str, file_id: int, member_id: str) -> bool:
        return self.check_token(token, file_id, member_id, _TIMELINE_DOMAIN)

    def timeline_urls(
        self, base_url: str, portal_id: int, user_id: int, member_id: str, row: dict[str, Any]
    ) -> tuple[str, str]:
        """(urlShow, urlDownload) of a timeline record's file, for the user it is shown to."""
        token = self.token(portal_id, user_id, row["id"], member_id, _TIMELINE_DOMAIN)
        query = urlencode({"ncc": 1, "filename": row["name"], "auth": token})
        show = DISK_SHOW_PATH.format(file_id=row["id"])
        download = DISK_DOWNLOAD_PATH.format(file_id=row["id"])
        return f"{base_url}{show}?{query}", f"{base_url}{download}?{query}"

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
