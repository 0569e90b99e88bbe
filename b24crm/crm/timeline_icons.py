"""crm.timeline.icon.* and crm.timeline.logo.*: the icons and logos timeline layouts may name (the vendor's
``Controller\\Timeline\\Icon`` and ``Logo``; reference: crm.md §5.6, docs:
api-reference/crm/timeline/logmessage/{icons,logo}/).

The system codes come first (``crm/layout/codes.py``), then the portal's own in the order they were
added. Administrators add a custom one with a base64 PNG of the exact size (icons 24x24, logos 60x60) and
delete it; anyone reads them. A system code cannot be taken, a custom code only once. ``custom_codes``
is what the layout validator allows besides the system codes.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass
from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity.files import decode_base64
from b24crm.crm.layout.codes import SYSTEM_ICONS, SYSTEM_LOGOS
from b24crm.crm.timeline import icon_files
from b24crm.store import timeline_icons as store
from b24crm.store.sql import fit
from b24crm.store.tables import crm_timeline_icons as table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Kind:
    kind: int
    name: str  # "Icon" / "Logo", as the errors spell it
    system: tuple[str, ...]
    size: int  # the PNG's width and height


ICON = Kind(store.ICON, "Icon", SYSTEM_ICONS, 24)
LOGO = Kind(store.LOGO, "Logo", SYSTEM_LOGOS, 60)

NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "{name} not found for code `{code}`")
INVALID_IMAGE = errors.ErrorSpec("INVALID_ARG_VALUE", "Invalid image")
WRONG_IMAGE = errors.ErrorSpec("INVALID_ARG_VALUE", "Only png {size}px on {size}px is supported")
# The ORM table's field validators (unique code, system codes reserved, code required): the ORM's field
# error codes.
CODE_TAKEN = errors.ErrorSpec("BX_INVALID_VALUE", "Code must be unique")
CODE_RESERVED = errors.ErrorSpec("BX_INVALID_VALUE", "{code} is reserved word and cannot be used")
CODE_REQUIRED = errors.ErrorSpec("BX_EMPTY_REQUIRED", 'Field "CODE" is required')


def _uri(ctx: Caller, kind: int, row: dict[str, Any]) -> str:
    # Shaped as the vendor's upload paths, signed for this portal and served (crm/timeline/icon_files.py).
    return icon_files.uri(ctx.files, ctx.portal.id, ctx.portal.member_id, kind, row["id"])


def _system(code: str) -> dict[str, Any]:
    return {"code": code, "isSystem": True, "fileUri": ""}


def _custom(ctx: Caller, kind: Kind, row: dict[str, Any]) -> dict[str, Any]:
    return {"code": row["code"], "isSystem": False, "fileUri": _uri(ctx, kind.kind, row)}


def list_all(ctx: Caller, kind: Kind) -> list[dict[str, Any]]:
    with ctx.db.read() as conn:
        custom = store.all_of_kind(conn, ctx.portal.id, kind.kind)
    return [*(_system(code) for code in kind.system), *(_custom(ctx, kind, row) for row in custom)]


def get(ctx: Caller, kind: Kind, code: str) -> dict[str, Any]:
    if code in kind.system:
        return _system(code)
    with ctx.db.read() as conn:
        row = store.find(conn, ctx.portal.id, kind.kind, code)
    if row is None:
        raise NOT_FOUND.format(name=kind.name, code=code)
    return _custom(ctx, kind, row)


def _require_admin(ctx: Caller) -> None:
    if not ctx.user.is_admin:
        raise errors.D7.ACCESS_DENIED()


def png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header chunk; None when the bytes are not a PNG."""
    if len(content) < 24 or not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def _image(kind: Kind, file_content: str) -> bytes:
    try:
        content = decode_base64(file_content) if file_content else b""
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        raise INVALID_IMAGE()
    if png_size(content) != (kind.size, kind.size):
        raise WRONG_IMAGE.format(size=kind.size)
    return content


def add(ctx: Caller, kind: Kind, code: str, file_content: str) -> dict[str, Any]:
    _require_admin(ctx)
    content = _image(kind, file_content)
    if code == "":
        raise CODE_REQUIRED()
    if code in kind.system:
        raise CODE_RESERVED.format(code=code)
    code = fit(table, "code", code)
    with ctx.db.write() as conn:
        try:
            store.insert(conn, ctx.portal.id, kind.kind, code, content, ctx.clock.now())
        except store.DuplicateCode:
            raise CODE_TAKEN() from None
        row = store.find(conn, ctx.portal.id, kind.kind, code)
    assert row is not None
    return _custom(ctx, kind, row)


def delete(ctx: Caller, kind: Kind, code: str) -> bool:
    _require_admin(ctx)
    with ctx.db.write() as conn:
        if not store.delete(conn, ctx.portal.id, kind.kind, code):
            raise NOT_FOUND.format(name=kind.name, code=code)
    return True


def custom_codes(ctx: Caller) -> tuple[list[str], list[str]]:
    """The portal's own icon codes and logo codes, which a layout may name besides the system ones."""
    with ctx.db.read() as conn:
        return store.codes(conn, ctx.portal.id, store.ICON), store.codes(conn, ctx.portal.id, store.LOGO)
