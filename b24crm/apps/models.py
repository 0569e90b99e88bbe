"""An installed application, as a call made with its token sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The status of a local application (docs: settings/oauth/simple-way.md: L local, F free, P paid, ...).
LOCAL = "L"
# The portal's license as app.info names it (no plans are modelled: every portal is an enterprise one).
LICENSE = "en_ent"


@dataclass(frozen=True)
class App:
    portal_id: int
    id: int
    client_id: str
    title: str
    handler_url: str
    redirect_uri: str
    scopes: tuple[str, ...]
    version: int
    has_ui: bool
    installed: bool
    active: bool
    application_token: str
    installed_by: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> App:
        return cls(
            row["portal_id"],
            row["id"],
            row["client_id"],
            row["title"],
            row["handler_url"],
            row["redirect_uri"],
            tuple(s for s in row["scopes"].split(",") if s),
            row["version"],
            bool(row["has_ui"]),
            bool(row["installed"]),
            bool(row["active"]),
            row["application_token"],
            row["installed_by"],
        )

    @property
    def scope_text(self) -> str:
        return ",".join(self.scopes)

    def info(self, language: str = "en") -> dict[str, Any]:
        """``app.info`` for this app (docs: api-reference/common/system/app-info.md)."""
        return {
            "ID": self.id,
            "CODE": self.client_id,
            "VERSION": self.version,
            "STATUS": LOCAL,
            "INSTALLED": self.installed,
            "PAYMENT_EXPIRED": "N",
            "DAYS": None,
            "LANGUAGE_ID": language,
            "LICENSE": LICENSE,
            "LICENSE_TYPE": "ent",
            "LICENSE_FAMILY": "ent",
        }
