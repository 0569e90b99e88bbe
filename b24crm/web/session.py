"""The pages' sign-in: a cookie signed with a key derived from the admin token, and CSRF tokens.

Signing in proves knowledge of the admin token once; the cookie then carries only when it was issued and
a random session id, with an HMAC over both. The key is derived from the admin token (with a label of
its own, so the cookie's MAC is never a value the admin namespace would accept), so every process of one
server accepts the same cookies, and changing the admin token ends every session at once.

Every POST form carries a CSRF token: the HMAC of the session id under a second derived key. A page of
another origin cannot read it (the cookie is SameSite=Lax and HttpOnly, the answers carry no CORS
headers), so it cannot forge a form the server accepts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

COOKIE = "b24crm_ui"
MAX_AGE = 12 * 3600  # a working day; then the token is asked for again


def _key(admin_token: str, purpose: str) -> bytes:
    return hashlib.sha256(f"b24crm web {purpose}\0{admin_token}".encode()).digest()


def _mac(admin_token: str, purpose: str, text: str) -> str:
    digest = hmac.new(_key(admin_token, purpose), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_matches(admin_token: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), admin_token.encode())


def issue(admin_token: str, now: float | None = None) -> str:
    """A new session cookie's value: ``issued.session_id.mac``."""
    issued = str(int(time.time() if now is None else now))
    body = f"{issued}.{secrets.token_urlsafe(18)}"
    return f"{body}.{_mac(admin_token, 'session', body)}"


def session_id(admin_token: str, cookie: str | None, now: float | None = None) -> str | None:
    """The session id of a valid, unexpired cookie; None for anything else."""
    if not cookie or cookie.count(".") != 2:
        return None
    issued, sid, mac = cookie.split(".")
    if not hmac.compare_digest(mac.encode(), _mac(admin_token, "session", f"{issued}.{sid}").encode()):
        return None
    try:
        age = (time.time() if now is None else now) - int(issued)
    except ValueError:
        return None
    return sid if 0 <= age <= MAX_AGE else None


def csrf_token(admin_token: str, sid: str) -> str:
    return _mac(admin_token, "csrf", sid)


def csrf_ok(admin_token: str, sid: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(
        given.encode(), csrf_token(admin_token, sid).encode()
    )
