"""What every page needs: the runtime, the signed-in check, the templates and the ``Caller`` a page acts as.

A page acts as a portal's user through a ``Caller`` built exactly as a webhook's would be (the user's
rights, the user's id as the events' origin), so the domain functions the REST handlers call decide what
the page may show and change.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.auth.models import Credential, Portal, User
from b24crm.runtime import Runtime
from b24crm.store import tenancy
from b24crm.web import session

PREFIX = "/ui"
HERE = Path(__file__).parent
# The scopes a page acts with: everything a user's own webhook could hold for the CRM pages.
SCOPES = frozenset({"crm", "user", "user_brief", "user_basic", "placement", "event"})
NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "{what} not found", 404)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src http: https:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def _text(value: Any) -> str:
    """A layout text: plain, or one per language (the page shows English, else the first given)."""
    if isinstance(value, dict):
        chosen = value.get("en", next(iter(value.values()), ""))
        return "" if chosen is None else str(chosen)
    return "" if value is None else str(value)


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d.%m.%Y %H:%M")


def _input_when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M")


def _items(value: Any) -> list[tuple[str, Any]]:
    """A layout collection's (key, element) pairs in their given order; anything else gives none."""
    return [(str(k), v) for k, v in value.items() if isinstance(v, dict)] if isinstance(value, dict) else []


def _cssname(value: Any) -> str:
    """A value used in a class name: letters, digits, dash and underscore only."""
    text = str(value)
    return text if text and all(c.isalnum() or c in "-_" for c in text) and text.isascii() else "x"


def _safe_uri(value: Any) -> str:
    """A link an application gave: http(s) or a path of this portal; anything else (javascript:, data:)
    gives no link at all."""
    text = str(value or "").strip()
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return text
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return ""


def _with_page(paging: dict[str, int], name: str, start: int) -> str:
    """The item page's query with one section moved to ``start`` and the others kept."""
    moved = {**paging, name: start}
    return urlencode({k: v for k, v in moved.items() if v})


# Autoescaping on for every template: layout texts, tags, comments and file names come from applications
# and users. No template marks user data safe.
templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
templates.filters.update(
    text=_text,
    when=_when,
    input_when=_input_when,
    items=_items,
    cssname=_cssname,
    safe_uri=_safe_uri,
    with_page=_with_page,
)


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def signed_in(request: Request) -> str | None:
    """The session id of a signed-in browser, else None."""
    return session.session_id(runtime_of(request).admin_token, request.cookies.get(session.COOKIE))


def to_sign_in(request: Request) -> Response:
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{PREFIX}/signin?next={quote(wanted, safe='')}", status_code=303)


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    sid = signed_in(request)
    csrf = session.csrf_token(runtime_of(request).admin_token, sid) if sid else ""
    html = templates.get_template(name).render(prefix=PREFIX, csrf=csrf, signed_in=bool(sid), **values)
    response = HTMLResponse(html, status_code=status)
    # The pages may not be framed by another site, nor their answers cached by a shared proxy.
    response.headers["x-frame-options"] = "DENY"
    # Scripts and styles from this server only; forms and the slider's frame may go to an application.
    response.headers["content-security-policy"] = CSP
    response.headers["cache-control"] = "no-store"
    response.headers["referrer-policy"] = "same-origin"
    return response


def error_page(request: Request, exc: errors.ApiError, back: str = "") -> HTMLResponse:
    status = exc.status if 400 <= exc.status < 600 else 400
    return page(request, "error.html", status=status, code=exc.code, description=exc.description, back=back)


def caller_for(runtime: Runtime, portal_id: int, user_id: int) -> Caller:
    """The portal's active user as a ``Caller``; NOT_FOUND for an unknown portal or inactive user."""
    if not (0 < portal_id < 2**31 and 0 < user_id < 2**31):  # the store's integer width
        raise NOT_FOUND.format(what="Portal" if not 0 < portal_id < 2**31 else "User")
    with runtime.db.read() as conn:
        portal_row = tenancy.portal_by_id(conn, portal_id)
        if portal_row is None:
            raise NOT_FOUND.format(what="Portal")
        user_row = tenancy.user_by_id(conn, portal_id, user_id)
    if user_row is None or not user_row["active"]:
        raise NOT_FOUND.format(what="User")
    portal, user = Portal.from_row(portal_row), User.from_row(user_row)
    return Caller(runtime.services, Credential("webhook", 0, portal, user, SCOPES))


def user_name(user: User) -> str:
    return " ".join(p for p in (user.name, user.last_name) if p) or f"User {user.id}"
