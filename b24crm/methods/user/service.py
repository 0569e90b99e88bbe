"""Users as the user.* methods show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from b24crm.auth.models import User
from b24crm.php.dates import iso
from b24crm.results import Page, make_page, page_window
from b24crm.rpc.context import CallContext
from b24crm.store import tenancy
from b24crm.store.filters import Field, conditions, split_key, to_flag, to_int
from b24crm.store.tables import users

# Filter fields of user.get, with the vendor's operator prefixes (">ID" is how SDKs page through users).
FILTER_FIELDS = {
    "ID": Field(users.c.id, to_int),
    "NAME": Field(users.c.name, text=True),
    "LAST_NAME": Field(users.c.last_name, text=True),
    "EMAIL": Field(users.c.email, text=True),
    "ACTIVE": Field(users.c.active, to_flag),
}
SORT_COLUMNS = {
    "ID": users.c.id,
    "NAME": users.c.name,
    "LAST_NAME": users.c.last_name,
    "EMAIL": users.c.email,
}


def view(user: User, ctx: CallContext) -> dict[str, Any]:
    registered = iso(user.created_at, ctx.portal.tz)
    # The vendor passes these two through unconverted, as the database holds them (the docs' example
    # shows "2024-07-23 08:08:50"); b24pysdk's user tests require both keys. No change or activity is
    # tracked here, so both are the registration time.
    stamp = _database_time(user.created_at, ctx)
    return {
        "ID": str(user.id),
        "XML_ID": "",
        "ACTIVE": user.active,
        "NAME": user.name,
        "LAST_NAME": user.last_name,
        "SECOND_NAME": "",
        "EMAIL": user.email,
        "LAST_LOGIN": registered,
        "DATE_REGISTER": registered,
        "IS_ONLINE": "N",
        "TIME_ZONE": user.time_zone,
        "TIME_ZONE_OFFSET": "0",
        "TIMESTAMP_X": stamp,
        "LAST_ACTIVITY_DATE": stamp,
        "PERSONAL_GENDER": user.gender,
        "PERSONAL_BIRTHDAY": "",
        # In the vendor's own example and b24pysdk's user model; no profile data is kept here.
        "WORK_POSITION": "",
        "UF_EMPLOYMENT_DATE": "",
        "UF_DEPARTMENT": [1],
        "USER_TYPE": "employee",
    }


def _database_time(ts: float, ctx: CallContext) -> str:
    return datetime.fromtimestamp(ts, ctx.portal.tz).strftime("%Y-%m-%d %H:%M:%S")


def current(ctx: CallContext) -> dict[str, Any]:
    return view(ctx.user, ctx)


def find(ctx: CallContext, filter_: Any, extra: dict[str, Any], *, sort: Any, order: Any, start: Any) -> Page:
    # Old clients put filter keys at the top level (user.get?ID=1): the vendor reads both.
    criteria = {k.upper(): v for k, v in extra.items() if split_key(k.upper())[1] in FILTER_FIELDS}
    if isinstance(filter_, dict):
        criteria.update(filter_)
    column = SORT_COLUMNS.get(str(sort or "ID").upper(), users.c.id)
    ordering = column.desc() if str(order or "ASC").upper() == "DESC" else column.asc()
    offset, count = page_window(start)
    where = conditions(FILTER_FIELDS, criteria)
    with ctx.db.read() as conn:
        rows = tenancy.list_users(conn, ctx.portal.id, where=where, order=[ordering], offset=offset, limit=50)
        total = tenancy.count_users(conn, ctx.portal.id, where=where) if count else None
    return make_page([view(User.from_row(r), ctx) for r in rows], offset, total, len(rows))
