"""Portals, users and webhooks: creating them, and turning presented credentials into a Credential.

Resolved credentials are cached for a moment, so the REST hot path answers a cached webhook without
resolving it again, and so are refused ones, so a client retrying a wrong code does not read the database
each time. A cache entry is used only while the store's credential watch says nothing it reflects has
changed since it was resolved (``store/credential_watch.py``): a webhook revoked, a user deactivated or a
portal deleted by any process is refused by every process at once, not when the entry's time runs out.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth import secrets
from b24crm.auth.models import Credential, Portal, User
from b24crm.clock import Clock
from b24crm.store import tenancy
from b24crm.store.engine import Database

SCOPE_RE = re.compile(r"^[a-z][a-z0-9_.]*$")


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class NewWebhook:
    id: int
    portal: Portal
    user: User
    code: str
    scopes: tuple[str, ...]

    def url(self, base_url: str) -> str:
        return f"{base_url}/rest/{self.user.id}/{self.code}/"


def parse_scopes(raw: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(raw, (str, list, tuple)):
        raise ValueError("scopes must be a comma-separated string or a list")
    items = raw.split(",") if isinstance(raw, str) else [str(s) for s in raw]
    scopes = tuple(dict.fromkeys(s.strip().lower() for s in items if s.strip()))
    for scope in scopes:
        if not SCOPE_RE.match(scope):
            raise ValueError(f"not a scope: {scope!r}")
    return scopes


class Tenancy:
    def __init__(self, db: Database, clock: Clock, *, cache_ttl: float = 10.0) -> None:
        self.db = db
        self.clock = clock
        self.cache_ttl = cache_ttl
        self.watch = db.credential_watch()
        # (user id, code) -> (credential, fresh until, watch stamp); the raw pair avoids hashing every call.
        self._cache: dict[tuple[str, str], tuple[Credential, float, Any]] = {}
        # (user id, code) -> (refused until, portal or None, watch stamp, the refusal): a client retrying a
        # wrong code costs no resolution each time.
        self._refused: dict[tuple[str, str], tuple[float, int | None, Any, errors.ErrorSpec]] = {}
        self._lock = threading.Lock()
        # Other caches of credentials that a change here makes stale (the OAuth tokens').
        self.on_change: list[Callable[[], None]] = []

    # --- creation -------------------------------------------------------------------------------------

    def create_portal(self, *, domain: str | None = None, title: str = "", time_zone: str = "UTC") -> Portal:
        """A new portal; ValueError for an unknown time zone or a domain another portal has."""
        if not isinstance(time_zone, str) or not _known_zone(time_zone):
            raise ValueError(f"unknown time zone: {time_zone!r}")
        if domain is not None and (not isinstance(domain, str) or not domain.strip() or len(domain) > 255):
            raise ValueError("the domain must be a non-empty string of at most 255 characters")
        member_id = secrets.new_member_id()
        with self.db.write() as conn:
            if domain is not None and tenancy.portal_by_domain(conn, domain) is not None:
                raise ValueError(f"a portal with the domain {domain!r} exists")
            portal_id = tenancy.insert_portal(
                conn,
                domain=domain or f"{member_id[:12]}.b24crm.local",
                member_id=member_id,
                title=title,
                time_zone=time_zone,
                now=self.clock.now(),
            )
            row = tenancy.portal_by_id(conn, portal_id)
        assert row is not None
        return Portal.from_row(row)

    def create_user(
        self,
        portal_id: int,
        *,
        name: str = "",
        last_name: str = "",
        email: str = "",
        admin: bool = False,
        active: bool = True,
        gender: str = "",
        time_zone: str = "",
        within: Connection | None = None,
    ) -> User:
        """A new user; in the caller's transaction when ``within`` is given (the caller then invalidates
        the credential caches once it commits)."""
        with self._writing(within) as conn:
            if tenancy.portal_by_id(conn, portal_id) is None:
                raise LookupError(f"no portal {portal_id}")
            user_id = tenancy.insert_user(
                conn,
                portal_id,
                self.clock.now(),
                name=name,
                last_name=last_name,
                email=email,
                is_admin=admin,
                active=active,
                gender=gender,
                time_zone=time_zone,
            )
            row = tenancy.user_by_id(conn, portal_id, user_id)
        if within is None:
            self.invalidate()
        assert row is not None
        return User.from_row(row)

    def create_webhook(
        self,
        portal_id: int,
        user_id: int,
        scopes: str | list[str] | tuple[str, ...],
        *,
        title: str = "",
        within: Connection | None = None,
    ) -> NewWebhook:
        """A new webhook of the user; in the caller's transaction when ``within`` is given."""
        scope_list = parse_scopes(scopes)
        code = secrets.new_code()
        with self._writing(within) as conn:
            portal_row = tenancy.portal_by_id(conn, portal_id)
            user_row = tenancy.user_by_id(conn, portal_id, user_id)
            if portal_row is None or user_row is None:
                raise LookupError(f"no user {user_id} on portal {portal_id}")
            webhook_id = tenancy.insert_webhook(
                conn,
                portal_id,
                user_id=user_id,
                code_digest=secrets.digest(code),
                scopes=",".join(scope_list),
                title=title,
                now=self.clock.now(),
            )
        return NewWebhook(webhook_id, Portal.from_row(portal_row), User.from_row(user_row), code, scope_list)

    def create_demo(self) -> NewWebhook:
        """A portal with an admin and a crm webhook: what ``serve`` sets up on an empty database."""
        portal = self.create_portal(domain="demo.b24crm.local", title="b24crm demo")
        admin = self.create_user(
            portal.id, name="Demo", last_name="Admin", email="admin@demo.b24crm.local", admin=True
        )
        return self.create_webhook(portal.id, admin.id, ("crm", "user"), title="demo")

    def delete_webhook(self, portal_id: int, webhook_id: int) -> bool:
        """Revoke a webhook: its code is then refused by every process at once, as an unknown code is
        (the vendor deletes a webhook the same way); False when there was no such webhook."""
        with self.db.write() as conn:
            deleted = tenancy.delete_webhook(conn, portal_id, webhook_id)
        self.invalidate()
        return deleted

    def delete_portal(self, portal_id: int) -> bool:
        with self.db.write() as conn:
            deleted = tenancy.delete_portal(conn, portal_id)
        self.invalidate()
        return deleted

    @contextmanager
    def _writing(self, within: Connection | None) -> Iterator[Connection]:
        """The caller's transaction, or one of its own."""
        if within is not None:
            yield within
            return
        with self.db.write() as conn:
            yield conn

    # --- resolution -----------------------------------------------------------------------------------

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self._refused.clear()
        for listener in self.on_change:
            listener()

    def cached_webhook(self, user_id: str, code: str) -> Credential | None:
        """The credential when the cache holds it, still fresh and unchanged since; the refusal again when
        the pair was refused within ``cache_ttl`` and nothing that could change the answer has changed since;
        otherwise None (resolve it). Reads at most the portal's credential generation."""
        key = (user_id, code)
        entry = self._cache.get(key)
        if entry is not None:
            credential, fresh_until, stamp = entry
            if fresh_until >= self.clock.now() and self.watch.fresh(credential.portal.id, stamp):
                return credential
            return None
        refused = self._refused.get(key)
        if refused is not None:
            until, portal_id, stamp, refusal = refused
            # A code no webhook has cannot become valid (codes are made here, at random), so its refusal
            # holds for its time; a known webhook's can (a user made active again).
            if until >= self.clock.now() and (portal_id is None or self.watch.fresh(portal_id, stamp)):
                raise refusal()
        return None

    def resolve_webhook(self, user_id: str, code: str) -> Credential:
        """The webhook's credential; as the vendor's webhook check answers otherwise: INVALID_CREDENTIALS
        for a code that is not an active webhook of that user (unknown, revoked, another user's),
        authorization_error for a webhook whose user is deactivated."""
        key = (user_id, code)
        credential, portal_id, stamp, refusal = self._lookup(user_id, code, self.watch.mark())
        with self._lock:
            if credential is None:
                self._cache.pop(key, None)
                if portal_id is None or stamp is not None:
                    if len(self._refused) > 10_000:
                        self._refused.clear()
                    self._refused[key] = (self.clock.now() + self.cache_ttl, portal_id, stamp, refusal)
            else:
                self._refused.pop(key, None)
                if stamp is not None:  # None: the watch cannot vouch for it now (PostgreSQL listener down)
                    if len(self._cache) > 10_000:
                        self._cache.clear()
                    self._cache[key] = (credential, self.clock.now() + self.cache_ttl, stamp)
        if credential is None:
            raise refusal()
        return credential

    def _lookup(
        self, user_id: str, code: str, mark: Any
    ) -> tuple[Credential | None, int | None, Any, errors.ErrorSpec]:
        """(the credential or None when refused, the webhook's portal when there is one, the watch's
        stamp, the refusal), read in one transaction, so that the stamp is as old as the rows."""
        code_digest = secrets.digest(code)
        wrong = errors.INVALID_CREDENTIALS
        with self.db.read() as conn:
            hook = tenancy.webhook_by_digest(conn, code_digest)
            if hook is None:
                return None, None, None, wrong
            portal_id = hook["portal_id"]
            stamp = self.watch.stamp(conn, portal_id, mark)
            if not hook["active"] or str(hook["user_id"]) != user_id:
                return None, portal_id, stamp, wrong
            portal_row = tenancy.portal_by_id(conn, portal_id)
            user_row = tenancy.user_by_id(conn, portal_id, hook["user_id"])
        # The lookup is by digest, so this comparison is the constant-time check of the presented code.
        if portal_row is None or user_row is None or not secrets.same_digest(hook["code_digest"], code):
            return None, portal_id, stamp, wrong
        user = User.from_row(user_row)
        if not user.active:
            # The vendor finds the webhook, then cannot log its user in.
            return None, portal_id, stamp, errors.AUTHORIZATION_ERROR
        credential = Credential(
            kind="webhook",
            id=hook["id"],
            portal=Portal.from_row(portal_row),
            user=user,
            scopes=frozenset(s for s in hook["scopes"].split(",") if s),
        )
        return credential, portal_id, stamp, wrong
