"""crm.activity.type.*: an application registers its own activity types (``TypeProxy`` of the vendor's
crm module, reference: crm.md §7).

Only a portal administrator, and only inside an application: the administrator check comes first, as the
vendor's does. Each application sees, adds and deletes its own types; TYPE_ID is unique per application.
A type later names an activity's ``PROVIDER_TYPE_ID`` (REST_APP) or a configurable activity's ``typeId``;
activities keep their type's name when the type is deleted, as they keep the text itself.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity.files import decode_base64
from b24crm.php.values import php_str
from b24crm.store import activity_types as store
from b24crm.store.sql import fit
from b24crm.store.tables import crm_activity_types as table

# The vendor's AccessException: "Access denied!" and the reason, HTTP 403.
ADMIN_REQUIRED = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Admin permissions required", 403)
APP_REQUIRED = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Application context required", 403)
# The texts are the docs' descriptions of each case (the vendor's own texts are not published).
TYPE_ID_REQUIRED = errors.ErrorSpec("INVALID_ARG_VALUE", "The required field TYPE_ID is not filled")
TYPE_EXISTS = errors.ErrorSpec(
    "INVALID_ARG_VALUE", "A custom activity type with the specified TYPE_ID already exists"
)
TYPE_NOT_FOUND = errors.ErrorSpec(
    "INVALID_ARG_VALUE", "Custom activity type with the specified TYPE_ID does not exist"
)


@dataclass(frozen=True)
class Icon:
    name: str
    content: bytes


def _app_id(ctx: Caller) -> int:
    if not ctx.user.is_admin:
        raise ADMIN_REQUIRED()
    if ctx.app is None:
        raise APP_REQUIRED()
    return int(ctx.app.id)


def _type_id(value: Any) -> str:
    return fit(table, "type_id", php_str(value) if isinstance(value, (str, int, float)) else "")


def icon_of(value: Any) -> Icon | None:
    """``ICON_FILE`` as ``CRestUtil::saveFile`` reads it: ``[name, base64]`` (or ``{"fileData": [...]}``),
    or a file part of a multipart body; anything else is no icon, silently."""
    if isinstance(value, dict):
        value = value.get("fileData", list(value.values()))
    if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, str) for v in value[:2]):
        try:
            return Icon(value[0][:255], decode_base64(value[1]))
        except (binascii.Error, ValueError):
            return None
    read = getattr(value, "file", None)
    if read is not None and hasattr(read, "read"):
        return Icon(str(getattr(value, "filename", "") or "icon")[:255], read.read())
    return None


def add(ctx: Caller, fields: Any) -> bool:
    app_id = _app_id(ctx)
    given = {str(k).upper(): v for k, v in fields.items()} if isinstance(fields, dict) else {}
    type_id = _type_id(given.get("TYPE_ID"))
    if not type_id:
        raise TYPE_ID_REQUIRED()
    icon = icon_of(given.get("ICON_FILE")) if given.get("ICON_FILE") else None
    name = given.get("NAME")
    with ctx.db.write() as conn:
        try:
            store.insert(
                conn,
                ctx.portal.id,
                {
                    "app_id": app_id,
                    "type_id": type_id,
                    "name": php_str(name) if isinstance(name, (str, int, float)) else "",
                    "is_configurable": php_str(given.get("IS_CONFIGURABLE_TYPE", "N")) == "Y",
                    "icon_name": icon.name if icon else None,
                    "icon": icon.content if icon else None,
                    "created": ctx.clock.now(),
                },
            )
        except store.DuplicateType:
            raise TYPE_EXISTS() from None
    return True


def _shown(row: dict[str, Any]) -> dict[str, str]:
    # The vendor's fetchAll: every value a string; ICON_ID names the icon's file, "0" without one.
    return {
        "TYPE_ID": row["type_id"],
        "NAME": row["name"],
        "IS_CONFIGURABLE_TYPE": "Y" if row["is_configurable"] else "N",
        "ICON_ID": str(row["id"]) if row["icon_name"] is not None else "0",
    }


def list_types(ctx: Caller) -> list[dict[str, str]]:
    app_id = _app_id(ctx)
    with ctx.db.read() as conn:
        return [_shown(row) for row in store.of_app(conn, ctx.portal.id, app_id)]


def delete(ctx: Caller, type_id_raw: Any) -> bool:
    app_id = _app_id(ctx)
    type_id = _type_id(type_id_raw)
    with ctx.db.write() as conn:
        found = store.find(conn, ctx.portal.id, app_id, type_id) if type_id else None
        if found is None:
            raise TYPE_NOT_FOUND()
        store.delete(conn, ctx.portal.id, found["id"])
    return True


def configurable_type(ctx: Caller, type_id: str) -> dict[str, str] | None:
    """The calling application's type ``type_id`` when it is declared for configurable activities."""
    if ctx.app is None:
        return None
    with ctx.db.read() as conn:
        found = store.find(conn, ctx.portal.id, int(ctx.app.id), _type_id(type_id))
    return _shown(found) if found is not None and found["is_configurable"] else None
