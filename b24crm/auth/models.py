"""What a call runs as: the portal, the user, and the credential that proved it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Portal:
    id: int
    domain: str
    member_id: str
    title: str
    time_zone: str

    @cached_property
    def tz(self) -> tzinfo:
        try:
            return ZoneInfo(self.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Portal:
        return cls(row["id"], row["domain"], row["member_id"], row["title"], row["time_zone"])


@dataclass(frozen=True)
class User:
    portal_id: int
    id: int
    name: str
    last_name: str
    email: str
    active: bool
    is_admin: bool
    gender: str
    time_zone: str
    created_at: float

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(
            row["portal_id"],
            row["id"],
            row["name"],
            row["last_name"],
            row["email"],
            bool(row["active"]),
            bool(row["is_admin"]),
            row["gender"],
            row["time_zone"],
            row["created_at"],
        )


# The two kinds of credential the REST layer accepts. OAuth tokens plug in beside webhooks.
CredentialKind = Literal["webhook", "oauth"]


@dataclass(frozen=True)
class Credential:
    kind: CredentialKind
    id: int
    portal: Portal
    user: User
    scopes: frozenset[str]
    # The application behind an OAuth token; None for a webhook. App context is what some methods require.
    app: Any = None
    expires_at: float | None = field(default=None, compare=False)

    @cached_property
    def key(self) -> str:
        """Identifies the credential for per-credential accounting (operating time, limits): a webhook, or
        an application acting for one user, whichever token it holds at the moment."""
        if self.app is not None:
            return f"{self.portal.id}:app:{self.app.id}:{self.user.id}"
        return f"{self.portal.id}:{self.kind}:{self.id}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
