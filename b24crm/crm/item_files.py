"""Items' file fields (a contact's ``PHOTO``, a company's ``LOGO``): the upload the docs show
(``{"fileData": [name, base64]}`` or ``{"fileData": base64}``), ``{"remove": "Y"}`` to drop it, and the
answer: ``{id, showUrl, downloadUrl}`` in the classic methods, ``{id, url, urlMachine}`` in crm.item.*.

The bytes are kept by the file store under the portal; the item keeps ``{id, name, size, contentType,
path}`` in ``data``. Links are signed for the caller they are shown to and download while that user may
read the item (``/bitrix/tools/crm_show_file.php`` with the item's type and id).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm.activity.files import parse_uploads
from b24crm.crm.downloads import link_holder
from b24crm.crm.fields import catalogue
from b24crm.crm.timeline.icon_files import content_type
from b24crm.store import crm_items
from b24crm.store.engine import Database
from b24crm.store.files import SHOW_FILE_PATH, FileStore, Upload

# Signed apart from activity and timeline files: each kind numbers its files itself.
_DOMAIN = "item"
# The vendor keeps a photo or a logo only when the file is an image (CFile::CheckImageFile).
_IMAGE_STARTS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


class InvalidFile(ValueError):
    """A value that is no upload, no removal and no kept file."""


@dataclass(frozen=True)
class NewFile:
    upload: Upload


@dataclass(frozen=True)
class Removal:
    pass


@dataclass(frozen=True)
class Kept:
    """Left as it is (an empty value, or the ``{id, ...}`` an answer showed)."""


def file_in(value: Any) -> NewFile | Removal | Kept:
    if value in (None, ""):
        return Kept()
    if not isinstance(value, dict):
        raise InvalidFile(value)
    if str(value.get("remove", "")).upper() == "Y":
        return Removal()
    if "fileData" not in value:
        if "id" in value:
            return Kept()
        raise InvalidFile(value)
    data = value["fileData"]
    uploads = parse_uploads([{"fileData": data if isinstance(data, (list, dict)) else [data]}])
    if not uploads or not _is_image(uploads[0].content):
        raise InvalidFile(value)
    return NewFile(uploads[0])


def _is_image(content: bytes) -> bool:
    webp = content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    return webp or any(content.startswith(start) for start in _IMAGE_STARTS)


# Keyed by a type a download link may name at will: bounded, and the fixed types plus a portal's smart
# processes fit.
@lru_cache(maxsize=256)
def file_fields(entity_type_id: int) -> tuple[str, ...]:
    return tuple(f.name for f in catalogue(entity_type_id).values() if f.type == "file" and not f.multiple)


def settle(
    conn: Connection, ctx: Caller, entity_type_id: int, values: dict[str, Any], old: dict[str, Any] | None
) -> tuple[list[Path], list[Path]]:
    """The file markers of ``values`` made stored values: new bytes written, a removal made None, a kept
    file dropped from the change. Answers (paths written, paths replaced): the first to discard if the
    transaction fails, the second once it commits."""
    written: list[Path] = []
    replaced: list[Path] = []
    store = ctx.files
    for name in file_fields(entity_type_id):
        marker = values.get(name)
        if isinstance(marker, Kept) or name not in values:
            values.pop(name, None)
            continue
        previous = (old or {}).get(name)
        if isinstance(previous, dict) and previous.get("path"):
            replaced.append(store.path_of(previous))
        if isinstance(marker, Removal):
            values[name] = None
            continue
        if not isinstance(marker, NewFile):  # not from file_in: nothing else is accepted
            raise InvalidFile(marker)
        upload = marker.upload
        path, relative = store.write(ctx.portal.id, "items", upload)
        written.append(path)
        values[name] = {
            "id": crm_items.next_file_id(conn, ctx.portal.id),
            "name": upload.name,
            "size": len(upload.content),
            # What the bytes are, never what the uploader's name says ("x.html" would be served as HTML).
            "contentType": content_type(upload.name, upload.content),
            "path": relative,
        }
    return written, replaced


def stored_paths(store: FileStore, entity_type_id: int, data: dict[str, Any]) -> list[Path]:
    """The bytes an item's row holds (to discard once it is deleted)."""
    found = (data.get(name) for name in file_fields(entity_type_id))
    return [store.path_of(v) for v in found if isinstance(v, dict) and v.get("path")]


def _link(
    ctx: Caller, entity_type_id: int, item_id: int, name: str, file: dict[str, Any], **extra: str
) -> str:
    token = ctx.files.token(ctx.portal.id, ctx.user.id, file["id"], ctx.portal.member_id, _DOMAIN)
    query = {
        "ownerTypeId": entity_type_id,
        "ownerId": item_id,
        "fieldName": name,
        "fileId": file["id"],
        **extra,
        "auth": token,
    }
    return f"{ctx.base_url}{SHOW_FILE_PATH}?{urlencode(query)}"


def show(
    ctx: Caller, entity_type_id: int, item_id: int, out: dict[str, Any], key: str, *, classic: bool
) -> None:
    """``out[key]``, a stored file, as the answer shows it (to the caller: the links are theirs)."""
    file = out.get(key)
    if not isinstance(file, dict) or "id" not in file:
        return
    name = key.lower()
    shown = _link(ctx, entity_type_id, item_id, name, file)
    if classic:
        download = _link(ctx, entity_type_id, item_id, name, file, download="Y")
        out[key] = {"id": file["id"], "showUrl": shown, "downloadUrl": download}
    else:
        out[key] = {"id": file["id"], "url": shown, "urlMachine": shown}


def downloadable(
    db: Database, store: FileStore, owner: tuple[int, int], name: str, file_id: int, token: str
) -> tuple[Path, str, str] | None:
    """(path, name, content type) of an item's file the token's holder may read now; None otherwise."""
    entity_type_id, item_id = owner
    with db.read() as conn:
        verify = lambda t, member_id: store.check_token(t, file_id, member_id, _DOMAIN)  # noqa: E731
        holder = link_holder(conn, token, verify)
        if holder is None or name not in file_fields(entity_type_id):
            return None
        portal_id, grants = holder
        row = crm_items.get_item(conn, portal_id, entity_type_id, item_id)
        if row is None or not grants.allows(entity_type_id, "read", row["assigned_by_id"]):
            return None
    file = (row["data"] or {}).get(name)
    if not isinstance(file, dict) or file.get("id") != file_id:
        return None
    path = store.path_of(file)
    return (path, file["name"], file["contentType"]) if path.is_file() else None
