"""Files attached to timeline records (comments): taken from ``FILES`` as ``[name, base64]`` pairs
(``CRestUtil::saveFile``), kept through the file store, answered as the vendor's disk file records
(``id, date, type, name, size, image, authorId, authorName, urlPreview, urlShow, urlDownload``) and served
at the signed ``urlShow`` / ``urlDownload`` addresses while their holder may read the record.
"""

from __future__ import annotations

import binascii
import mimetypes
import secrets
import struct
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm.activity.files import decode_base64, display_name
from b24crm.crm.downloads import link_holder
from b24crm.crm.timeline import owners
from b24crm.crm.timeline_icons import png_size
from b24crm.php.dates import iso
from b24crm.store import tenancy
from b24crm.store import timeline as store
from b24crm.store.engine import Database
from b24crm.store.files import FileStore, Upload

PREVIEW_SIZE = 640  # the disk's preview box, as the docs' urlPreview shows it


def parse_uploads(value: Any) -> list[Upload]:
    """The files of a ``FILES`` value: each ``[name, base64]`` (or ``{"0": name, "1": base64}``), or a bare
    base64 string under a random name. What is not a file, or does not decode, is skipped silently, as
    ``saveFile`` skips it."""
    entries = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    uploads = []
    for entry in entries:
        if isinstance(entry, dict):
            entry = [entry[k] for k in sorted(entry, key=str)]
        if isinstance(entry, str):
            entry = [secrets.token_hex(16), entry]
        if not isinstance(entry, list) or len(entry) < 2 or not all(isinstance(v, str) for v in entry[:2]):
            continue
        try:
            content = decode_base64(entry[1])
        except (binascii.Error, ValueError):
            continue
        if content:
            uploads.append(Upload(display_name(entry[0]), content))
    return uploads


def image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG from its header; None for anything else."""
    found = png_size(content)
    if found is not None:
        return found
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return width, height
    if content[:2] == b"\xff\xd8":
        return _jpeg_size(content)
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    # Walk the segments to the first start-of-frame marker, which holds the dimensions.
    at = 2
    while at + 9 < len(content):
        if content[at] != 0xFF:
            return None
        marker = content[at + 1]
        length = struct.unpack(">H", content[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def save(conn: Connection, ctx: Caller, record_id: int, uploads: list[Upload], now: float) -> list[Path]:
    """Rows and bytes of ``uploads`` for the record; the written paths, to remove if the transaction fails."""
    written = []
    for upload in uploads:
        path, relative = ctx.files.write(ctx.portal.id, f"timeline/{record_id}", upload)
        written.append(path)
        size = image_size(upload.content)
        store.insert_file(
            conn,
            ctx.portal.id,
            {
                "timeline_id": record_id,
                "name": upload.name,
                "size": len(upload.content),
                "content_type": mimetypes.guess_type(upload.name)[0] or "application/octet-stream",
                "width": None if size is None else size[0],
                "height": None if size is None else size[1],
                "path": relative,
                "author_id": ctx.user.id,
                "created": now,
            },
        )
    return written


def records_of(conn: Connection, ctx: Caller, record_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """The files of several records (a page of comments) as the vendor lists them, by record: keyed by file
    ID, each with links for the caller; two statements whatever the page's size (the rows, their authors)."""
    rows = store.files_of_records(conn, ctx.portal.id, record_ids)
    authors = tenancy.users_by_ids(conn, ctx.portal.id, (f["author_id"] for fs in rows.values() for f in fs))
    names = {i: f"{u['name']} {u['last_name']}".strip() for i, u in authors.items()}
    return {
        record_id: {str(f["id"]): _record(ctx, f, names) for f in found} for record_id, found in rows.items()
    }


def _record(ctx: Caller, row: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    author = row["author_id"]
    show, download = ctx.files.timeline_urls(
        ctx.base_url, ctx.portal.id, ctx.user.id, ctx.portal.member_id, row
    )
    is_image = row["width"] is not None
    entry: dict[str, Any] = {
        "id": row["id"],
        "date": iso(row["created"], ctx.portal.tz),
        "type": "image" if is_image else "file",
        "name": row["name"],
        "size": row["size"],
    }
    if is_image:
        entry["image"] = {"width": row["width"], "height": row["height"]}
    entry["authorId"] = author
    entry["authorName"] = names.get(author, "")
    if is_image:
        entry["urlPreview"] = f"{show}&width={PREVIEW_SIZE}&height={PREVIEW_SIZE}"
    entry["urlShow"] = show
    entry["urlDownload"] = download
    return entry


def downloadable(db: Database, files: FileStore, file_id: int, token: str) -> tuple[Path, str, str] | None:
    """(path, name, content type) of a record's file that the token's holder may read now; else None."""
    with db.read() as conn:
        holder = link_holder(
            conn, token, lambda t, member_id: files.check_timeline_token(t, file_id, member_id)
        )
        if holder is None:
            return None
        portal_id, grants = holder
        row = store.file_by_id(conn, portal_id, file_id)
        if row is None:
            return None
        bindings = store.bindings_of(conn, portal_id, row["timeline_id"])
        if not any(owners.may_on_portal(conn, portal_id, grants, b, "read") for b in bindings):
            return None
    path = files.path_of(row)
    return (path, row["name"], row["content_type"]) if path.is_file() else None
