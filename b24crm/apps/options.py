"""Applications' own settings (docs: api-reference/common/settings/): ``app.option.*`` (the application's,
set by an administrator) and ``user.option.*`` (the calling user's with this application). A frame's
``BX24.appOption.set`` / ``userOption.set`` writes the same rows (``web/frames.py``), and its init data
reads them, so the REST methods and the page agree. Nothing is cached: every process reads the rows.
"""

from __future__ import annotations

import json
from typing import Any

from b24crm import errors
from b24crm.apps.models import App
from b24crm.auth.caller import Caller
from b24crm.php.values import php_str
from b24crm.store import app_options as store
from b24crm.store import apps as apps_store
from b24crm.store.engine import Database

# The vendor's AccessException ("Access denied!" and the reason, 403), as crm.activity.type.* answer it.
APP_REQUIRED = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Application context required", 403)
ADMIN_REQUIRED = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Administrator authorization required", 403)
# The vendor's ArgumentNullException as the REST server renders it (placement.* answer it alike).
EMPTY = errors.ErrorSpec("ERROR_ARGUMENT", "Argument 'options' is null or empty")
# b24crm's bounds, which the vendor does not publish (docs/compatibility.md).
NAME_LENGTH = 255
VALUE_BYTES = 65_536
NAMES_PER_OWNER = 256
TOO_LONG = errors.ErrorSpec("ERROR_ARGUMENT", "Option names are at most 255 characters, without NUL")
TOO_BIG = errors.ErrorSpec("ERROR_ARGUMENT", "Option value is larger than 64 KiB")
# The parameters that carry the call's token (the REST layer takes ``auth`` out before any method sees it).
CREDENTIALS = frozenset({"auth", "access_token"})
TOO_MANY = errors.ErrorSpec("ERROR_ARGUMENT", "An application keeps at most 256 options per owner")


def _app(ctx: Caller) -> App:
    if ctx.app is None:
        raise APP_REQUIRED()
    return ctx.app


def _options(raw: Any) -> dict[str, Any]:
    """The ``options`` array: keys are names (a list's are its positions, as in a PHP array)."""
    if isinstance(raw, list):
        raw = {str(i): v for i, v in enumerate(raw)}
    if not isinstance(raw, dict) or not raw:
        raise EMPTY(argument="options")
    checked: dict[str, Any] = {}
    for name, value in raw.items():
        key = str(name)
        if len(key) > NAME_LENGTH or "\x00" in key:
            raise TOO_LONG()
        if len(json.dumps(value, ensure_ascii=False).encode()) > VALUE_BYTES:
            raise TOO_BIG()
        checked[key] = value
    return checked


def given_options(options: Any, others: dict[str, Any] | None) -> Any:
    """What ``*.option.set`` writes: ``options``, or, without it, the call's other parameters themselves
    (the vendor's ``appOptionSet``/``userOptionSet``: ``array(name => value)`` or ``array(options => ...)``).
    A token given as a parameter is the call's credential, never an option."""
    if options is not None:
        return options
    return {k: v for k, v in (others or {}).items() if k not in CREDENTIALS}


def _answer(found: dict[str, Any], option: Any) -> Any:
    """All of them (PHP's empty array, ``[]``, when there are none), or one value, or null. The vendor
    tests ``isset($params['option'])``: an empty name is a name (of no option, unless one was so named)."""
    if option is None or isinstance(option, (dict, list)):
        return found or []
    return found.get(php_str(option))


def read(db: Database, portal_id: int, app_id: int, user_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return store.read(conn, portal_id, app_id, user_id)


def save(db: Database, now: float, portal_id: int, app_id: int, user_id: int, raw: Any) -> bool:
    """Write the options of one owner (``user_id`` 0: the application's own), bounded in names and size."""
    values = _options(raw)
    with db.write() as conn:
        # Two writers count the names in turn, never both at once.
        apps_store.lock_app(conn, portal_id, app_id)
        known = store.read(conn, portal_id, app_id, user_id)
        if len(known.keys() | values.keys()) > NAMES_PER_OWNER:
            raise TOO_MANY()
        store.write(conn, portal_id, app_id, user_id, values, now)
    return True


def app_get(ctx: Caller, option: Any) -> Any:
    app = _app(ctx)
    return _answer(read(ctx.db, ctx.portal.id, app.id, store.APP_LEVEL), option)


def app_set(ctx: Caller, options: Any) -> bool:
    app = _app(ctx)
    if not ctx.user.is_admin:
        raise ADMIN_REQUIRED()
    return save(ctx.db, ctx.clock.now(), ctx.portal.id, app.id, store.APP_LEVEL, options)


def user_get(ctx: Caller, option: Any) -> Any:
    app = _app(ctx)
    return _answer(read(ctx.db, ctx.portal.id, app.id, ctx.user.id), option)


def user_set(ctx: Caller, options: Any) -> bool:
    app = _app(ctx)
    return save(ctx.db, ctx.clock.now(), ctx.portal.id, app.id, ctx.user.id, options)
