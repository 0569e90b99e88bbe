"""OAuth 2.0 as Bitrix24 runs it (docs: settings/oauth/index.md, auto-renewal.md, error-codes.md).

``/oauth/authorize/`` gives a single-use code that lives 30 seconds; ``/oauth/token/`` trades it, or a
refresh token, for an access token that lives an hour and a refresh token that lives 180 days and is
replaced by every refresh. Tokens and codes are kept as SHA-256 digests: they are long random strings, so
a slow hash would only slow every call down. Resolved access tokens are cached for a moment, like
webhooks, never beyond their expiry, and only while the store's credential watch says nothing they reflect
has changed since (``store/credential_watch.py``): a token ended, revoked or uninstalled by any process is
refused by every process at once.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from b24crm import errors
from b24crm.apps.callbacks import with_query
from b24crm.apps.models import LOCAL, App
from b24crm.auth.models import Credential, Portal, User
from b24crm.auth.secrets import digest
from b24crm.php.dates import iso
from b24crm.php.values import php_int
from b24crm.store import apps as store
from b24crm.store import tenancy

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from b24crm.clock import Clock
    from b24crm.store.engine import Database

ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 180 * 24 * 3600
CODE_LIFETIME = 30
CACHE_TTL = 10.0


class OAuthError(Exception):
    """An answer of the token and authorize endpoints: ``{"error"[, "error_description"]}`` and a status.
    The cloud's server leaves the description out of its client and grant errors."""

    def __init__(self, code: str, description: str = "", status: int = 400) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.status = code, description, status

    def body(self) -> dict[str, str]:
        if not self.description:
            return {"error": self.code}
        return {"error": self.code, "error_description": self.description}


def _missing(name: str) -> OAuthError:
    return OAuthError("invalid_request", f'No "{name}" parameter found')


# The token endpoint's errors as the cloud's OAuth server answers them and b24pysdk models them
# (errors/oauth.py: each class with its status). An unknown client_id is a 200 answer.
WRONG_CLIENT = ("wrong_client", "", 200)
# A wrong secret for a known client (the docs' settings/oauth/error-codes.md names this one).
INVALID_CLIENT = ("invalid_client", "", 400)
# A code or refresh token that is unknown, spent or expired.
INVALID_GRANT = ("invalid_grant", "", 400)
# The client's application was removed from its portal.
NOT_INSTALLED = ("NOT_INSTALLED", "Application not installed", 401)
# A ``scope`` asked for beyond what the application was granted.
INVALID_SCOPE = ("INVALID_SCOPE", "Given scope exceeds permissions associated with given grant", 403)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires: int
    user_id: int


def new_token() -> str:
    # The vendor's tokens are 70 hexadecimal characters.
    return secrets.token_hex(35)


def new_client_id() -> str:
    """``local.<14 hex>.<8 digits>``, the form of a local application's client_id."""
    return f"local.{secrets.token_hex(7)}.{secrets.randbelow(10**8):08d}"


class OAuthServer:
    def __init__(self, db: Database, clock: Clock, base_url: str) -> None:
        self.db = db
        self.clock = clock
        self.base_url = base_url
        self.watch = db.credential_watch()
        # token -> (credential, fresh until, watch stamp)
        self._cache: dict[str, tuple[Credential, float, Any]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    # --- issuing ----------------------------------------------------------------------------------------

    def issue(
        self, conn: Connection, app: App, user_id: int, now: float, *, with_refresh: bool = True
    ) -> TokenPair:
        """A new token pair for the app acting as ``user_id``; without a refresh token (``refresh_token``
        ``""``) for the one-hour tokens events carry, which are purged once expired."""
        access, refresh = new_token(), new_token() if with_refresh else ""
        store.insert_token(
            conn,
            app.portal_id,
            {
                "app_id": app.id,
                "user_id": user_id,
                "access_digest": digest(access),
                "refresh_digest": digest(refresh) if refresh else None,
                "access_expires": now + ACCESS_LIFETIME,
                "refresh_expires": now + REFRESH_LIFETIME,
                "created": now,
            },
        )
        return TokenPair(access, refresh, int(now + ACCESS_LIFETIME), user_id)

    def token_answer(self, app: App, portal: dict[str, Any], pair: TokenPair) -> dict[str, Any]:
        """The token endpoint's answer (docs: settings/oauth/index.md, auto-renewal.md)."""
        return {
            "access_token": pair.access_token,
            "expires": pair.expires,
            "expires_in": ACCESS_LIFETIME,
            "scope": app.scope_text,
            "domain": urlsplit(self.base_url).netloc,
            "server_endpoint": f"{self.base_url}/rest/",
            "status": LOCAL,
            "client_endpoint": f"{self.base_url}/rest/",
            "member_id": portal["member_id"],
            "user_id": pair.user_id,
            "refresh_token": pair.refresh_token,
        }

    def purge(self, now: float) -> int:
        """Drop token rows nothing can use any more: access expired and refresh spent, or both expired."""
        with self.db.write() as conn:
            return store.purge_tokens(conn, now)

    # --- the two endpoints ------------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str:
        """The redirect to the app with a fresh code, for the user named by ``user_id`` (a b24crm
        addition: there is no browser login here) or else the user who installed the app."""
        client_id = query.get("client_id", "")
        if not client_id:
            raise _missing("client_id")
        now = self.clock.now()
        code = new_token()
        with self.db.write() as conn:
            row = store.app_by_client_id(conn, client_id)
            if row is None or not row["active"]:
                raise OAuthError(*INVALID_CLIENT)
            app = App.from_row(row)
            user_id = php_int(query.get("user_id")) or app.installed_by
            user = tenancy.user_by_id(conn, app.portal_id, user_id)
            if user is None or not user["active"]:
                raise OAuthError("invalid_request", "User not found", 400)
            portal = tenancy.portal_by_id(conn, app.portal_id)
            assert portal is not None
            store.insert_code(
                conn,
                app.portal_id,
                {
                    "app_id": app.id,
                    "user_id": user_id,
                    "code_digest": digest(code),
                    "expires": now + CODE_LIFETIME,
                },
            )
        answer = {
            "code": code,
            "state": query.get("state", ""),
            "domain": portal["domain"],
            "member_id": portal["member_id"],
            "scope": app.scope_text,
            "server_domain": urlsplit(self.base_url).netloc,
        }
        return with_query(app.redirect_uri, answer)

    def token(self, params: dict[str, Any]) -> dict[str, Any]:
        """``/oauth/token/``: the authorization_code and refresh_token grants."""
        grant = _text(params.get("grant_type"))
        client_id, secret = _text(params.get("client_id")), _text(params.get("client_secret"))
        if not grant:
            raise OAuthError("invalid_request", "Invalid grant_type parameter or parameter missing")
        if grant not in ("authorization_code", "refresh_token"):
            raise OAuthError("unsupported_grant_type")
        if not client_id:
            raise _missing("client_id")
        now = self.clock.now()
        with self.db.write() as conn:
            row = store.app_by_client_id(conn, client_id)
            if row is None:
                raise OAuthError(*WRONG_CLIENT)
            if not secrets.compare_digest(row["secret_digest"], digest(secret)):
                raise OAuthError(*INVALID_CLIENT)
            if not row["active"]:
                raise OAuthError(*NOT_INSTALLED)
            app = App.from_row(row)
            asked = _text(params.get("scope"))
            if asked and not {s.strip() for s in asked.split(",") if s.strip()} <= set(app.scopes):
                raise OAuthError(*INVALID_SCOPE)
            if grant == "authorization_code":
                user_id = self._spend_code(conn, app, _text(params.get("code")), now)
            else:
                user_id = self._spend_refresh(conn, app, _text(params.get("refresh_token")), now)
            pair = self.issue(conn, app, user_id, now)
            portal = tenancy.portal_by_id(conn, app.portal_id)
        assert portal is not None
        return self.token_answer(app, portal, pair)

    def _spend_code(self, conn: Connection, app: App, code: str, now: float) -> int:
        if not code:
            raise _missing("code")
        row = store.code_by_digest(conn, digest(code))
        if row is None or row["app_id"] != app.id or row["portal_id"] != app.portal_id:
            raise OAuthError(*INVALID_GRANT)
        if row["used"] or row["expires"] < now or not store.use_code(conn, row):
            raise OAuthError(*INVALID_GRANT)
        return int(row["user_id"])

    def _spend_refresh(self, conn: Connection, app: App, refresh: str, now: float) -> int:
        if not refresh:
            raise _missing("refresh_token")
        row = store.token_by_refresh(conn, digest(refresh))
        if row is None or row["app_id"] != app.id or row["portal_id"] != app.portal_id:
            raise OAuthError(*INVALID_GRANT)
        if row["refresh_expires"] < now or not store.consume_refresh(conn, row):
            raise OAuthError(*INVALID_GRANT)
        return int(row["user_id"])

    # --- the authorization server's own app.info ------------------------------------------------------

    def server_app_info(self, token: str) -> dict[str, Any]:
        """``app.info`` as the authorization server answers it (not the portal's method of that name):
        what b24pysdk's ``BitrixToken.get_app_info`` reads (B24AppInfoResult)."""
        if not token:
            raise OAuthError("NO_AUTH_FOUND", "Wrong authorization data", 401)
        now = self.clock.now()
        with self.db.read() as conn:
            row = store.token_by_access(conn, digest(token))
            app_row = store.app_by_id(conn, row["portal_id"], row["app_id"]) if row else None
            portal = tenancy.portal_by_id(conn, row["portal_id"]) if row else None
        if row is None or app_row is None or portal is None or not app_row["active"]:
            # b24pysdk: the server answers an access token it does not know this way.
            raise OAuthError(*INVALID_CLIENT)
        if row["access_expires"] <= now:
            expired = errors.EXPIRED_TOKEN()
            raise OAuthError(expired.code, expired.description, expired.status)
        app = App.from_row(app_row)
        tz = Portal.from_row(portal).tz
        return {
            "client_id": app.client_id,
            "scope": app.scope_text,
            "expires": iso(row["access_expires"], tz),
            "install": {
                "installed": app.installed,
                "version": app.version,
                "status": LOCAL,
                "scope": app.scope_text,
                "domain": portal["domain"],
                "uri": self.base_url,
                "client_endpoint": f"{self.base_url}/rest/",
                "member_id": portal["member_id"],
                # Not published; b24pysdk's examples show "company" and "user": a portal is a company's.
                "member_type": "company",
            },
            "user_id": int(row["user_id"]),
        }

    # --- resolving a REST call's token ------------------------------------------------------------------

    def cached(self, token: str) -> Credential | None:
        """The token's credential when the cache still holds it and nothing it reflects has changed since
        (reads at most the portal's credential generation); an expired token is ``expired_token`` at once."""
        entry = self._cache.get(token)
        if entry is None:
            return None
        credential, fresh_until, stamp = entry
        if not self.watch.fresh(credential.portal.id, stamp):
            return None  # revoked, ended or uninstalled meanwhile, perhaps: ask the database
        now = self.clock.now()
        if credential.expires_at is not None and credential.expires_at <= now:
            raise errors.EXPIRED_TOKEN()
        return credential if fresh_until >= now else None

    def resolve(self, token: str) -> Credential:
        """The token's credential, from the database (callers look in ``cached`` first)."""
        now = self.clock.now()
        mark = self.watch.mark()
        with self.db.read() as conn:
            row = store.token_by_access(conn, digest(token))
            if row is None:
                raise errors.INVALID_TOKEN()
            # Read with the rows, so that it is as old as they are.
            stamp = self.watch.stamp(conn, row["portal_id"], mark)
            app_row = store.app_by_id(conn, row["portal_id"], row["app_id"])
            portal_row = tenancy.portal_by_id(conn, row["portal_id"])
            user_row = tenancy.user_by_id(conn, row["portal_id"], row["user_id"])
        if app_row is None or not app_row["active"] or portal_row is None or user_row is None:
            raise errors.INVALID_TOKEN()
        if row["access_expires"] <= now:
            raise errors.EXPIRED_TOKEN()
        user = User.from_row(user_row)
        if not user.active:
            raise errors.AUTHORIZATION_ERROR()
        app = App.from_row(app_row)
        credential = Credential(
            kind="oauth",
            id=row["id"],
            portal=Portal.from_row(portal_row),
            user=user,
            scopes=frozenset(app.scopes),
            app=app,
            expires_at=row["access_expires"],
        )
        if stamp is not None:  # None: the watch cannot vouch for it now (PostgreSQL listener down)
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[token] = (credential, min(now + CACHE_TTL, row["access_expires"]), stamp)
        return credential


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
