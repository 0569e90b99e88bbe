"""Local applications: creating and installing them, finishing the install, uninstalling.

Creating an app installs it at once, as adding a local application in Bitrix24 does. An app without an
interface ("script only") is installed there and then: its install handler is bound to ``ONAPPINSTALL``
and receives it, with the installing user's tokens and the application token. An app with an interface
stays "not fully installed" (``app.info`` INSTALLED false, no events, no placements) until its installer
page calls ``BX24.installFinish()`` (here ``b24crm app finish`` or the admin endpoint); then ONAPPINSTALL
goes to the handlers it bound itself meanwhile.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from b24crm.apps.callbacks import http_url
from b24crm.apps.models import App
from b24crm.apps.oauth import new_client_id
from b24crm.auth.secrets import digest
from b24crm.auth.service import parse_scopes
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.store import app_options, deliveries, tenancy
from b24crm.store import apps as store
from b24crm.store.tables import users

if TYPE_CHECKING:
    from b24crm.apps.oauth import OAuthServer
    from b24crm.clock import Clock
    from b24crm.store.engine import Database

LANGUAGE_ID = "en"
TITLE_LENGTH = 255  # the apps.title column


SECRET_ALPHABET = string.ascii_letters + string.digits


def new_client_secret() -> str:
    """50 letters and digits, the form of the vendor's client secrets: b24pysdk's configuration refuses a
    secret with other characters (``-`` or ``_``, which URL-safe base64 gave)."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(50))


@dataclass(frozen=True)
class NewApp:
    app: App
    client_secret: str


class AppService:
    def __init__(self, db: Database, clock: Clock, oauth: OAuthServer) -> None:
        self.db = db
        self.clock = clock
        self.oauth = oauth  # its token cache is dropped when an app's tokens change

    def create(
        self,
        portal_id: int,
        *,
        handler_url: str,
        scopes: str | list[str] | tuple[str, ...],
        title: str = "",
        user_id: int | None = None,
        has_ui: bool = False,
        redirect_uri: str | None = None,
    ) -> NewApp:
        """A new local application, installed by ``user_id`` (the portal's first administrator by default)."""
        http_url(handler_url, "handler")
        # The handler is the redirect URI when none is given: the fragment rule holds for it too.
        redirect = http_url(redirect_uri, "redirect URI") if redirect_uri is not None else handler_url
        if urlsplit(redirect).fragment:
            raise ValueError("a redirect URI has no fragment (RFC 6749, 3.1.2)")
        if not isinstance(title, str) or len(title) > TITLE_LENGTH or "\x00" in title:
            raise ValueError(f"the title must be a text of at most {TITLE_LENGTH} characters, without NUL")
        scope_list = parse_scopes(scopes)
        secret = new_client_secret()
        now = self.clock.now()
        with self.db.write() as conn:
            if tenancy.portal_by_id(conn, portal_id) is None:
                raise LookupError(f"no portal {portal_id}")
            installer = self._installer(conn, portal_id, user_id)
            values = {
                "client_id": new_client_id(),
                "secret_digest": digest(secret),
                "title": title,
                "handler_url": handler_url,
                "redirect_uri": redirect,
                "scopes": ",".join(scope_list),
                "version": 1,
                "has_ui": has_ui,
                "installed": not has_ui,
                "active": True,
                "application_token": secrets.token_hex(16),
                "installed_by": installer,
                "created": now,
            }
            app_id = store.insert_app(conn, portal_id, values)
            app = App.from_row({"portal_id": portal_id, "id": app_id, **values})
            if not has_ui:
                deliveries.insert_handler(
                    conn,
                    portal_id,
                    {
                        "event": event_names.APP_INSTALL,
                        "url": handler_url,
                        "application_token": app.application_token,
                        "user_id": installer,
                        "app_id": app_id,
                        "created": now,
                    },
                )
                self._installed(conn, app, installer, now)
        return NewApp(app, secret)

    @staticmethod
    def _installed(conn: Connection, app: App, user_id: int, now: float) -> None:
        data = {"VERSION": str(app.version), "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": LANGUAGE_ID}
        origin = outbox.Origin(user_id=user_id)
        outbox.emit(conn, app.portal_id, event_names.APP_INSTALL, data, now, origin, app_id=app.id)

    @staticmethod
    def _installer(conn: Connection, portal_id: int, user_id: int | None) -> int:
        if user_id is not None:
            row = tenancy.user_by_id(conn, portal_id, user_id)
            if row is None:
                raise LookupError(f"no user {user_id} on portal {portal_id}")
            if not row["is_admin"]:
                raise ValueError("only an administrator installs applications")
            return user_id
        admins = tenancy.list_users(conn, portal_id, where=[users.c.is_admin.is_(True)], limit=1)
        if not admins:
            raise LookupError(f"portal {portal_id} has no administrator to install the app")
        return int(admins[0]["id"])

    def get(self, portal_id: int, app_id: int) -> App:
        with self.db.read() as conn:
            row = store.app_by_id(conn, portal_id, app_id)
        if row is None:
            raise LookupError(f"no application {app_id} on portal {portal_id}")
        return App.from_row(row)

    def list(self, portal_id: int) -> list[App]:
        with self.db.read() as conn:
            return [App.from_row(r) for r in store.list_apps(conn, portal_id)]

    def finish_install(self, portal_id: int, app_id: int, user_id: int | None = None) -> App:
        """What ``BX24.installFinish()`` does for an administrator (the installer by default): the app is
        installed, ONAPPINSTALL goes to its handlers, its events and placements start."""
        now = self.clock.now()
        with self.db.write() as conn:
            row = store.app_by_id(conn, portal_id, app_id)
            if row is None or not row["active"]:
                raise LookupError(f"no installed application {app_id} on portal {portal_id}")
            acting = self._installer(conn, portal_id, user_id or row["installed_by"])
            already = bool(row["installed"])
            store.update_app(conn, portal_id, app_id, {"installed": True})
            app = App.from_row({**row, "installed": True})
            if not already:
                self._installed(conn, app, acting, now)
        self.oauth.invalidate()
        return app

    def uninstall(self, portal_id: int, app_id: int, *, clean: bool = True) -> None:
        """ONAPPUNINSTALL to the app's handlers of it (without tokens), then its handlers, offline queue,
        placements and tokens go; the app's row stays, inactive."""
        now = self.clock.now()
        with self.db.write() as conn:
            row = store.app_by_id(conn, portal_id, app_id)
            if row is None or not row["active"]:
                raise LookupError(f"no installed application {app_id} on portal {portal_id}")
            data = {"CLEAN": 1 if clean else 0, "LANGUAGE_ID": LANGUAGE_ID}
            outbox.emit(conn, portal_id, event_names.APP_UNINSTALL, data, now, app_id=app_id)
            store.remove_app_bindings(conn, portal_id, app_id)
            if clean:  # the vendor's CRestUtil::CleanApp: "Clear application data" drops its settings
                app_options.delete_app(conn, portal_id, app_id)
            store.update_app(conn, portal_id, app_id, {"active": False, "installed": False})
        self.oauth.invalidate()

    def expire_tokens(self, portal_id: int, app_id: int) -> int:
        """End the app's access tokens now, so that a client's refresh path can be tried at will."""
        with self.db.write() as conn:
            count = store.expire_tokens(conn, portal_id, app_id, self.clock.now())
        self.oauth.invalidate()
        return count

    def revoke_tokens(self, portal_id: int, app_id: int) -> int:
        """End every token of the app, access and refresh alike, and its unspent codes: each is then what
        an unknown token is, in every process at once. The app stays installed; a new authorization
        gives it new tokens. Answers how many token pairs went."""
        with self.db.write() as conn:
            if store.app_by_id(conn, portal_id, app_id) is None:
                raise LookupError(f"no application {app_id} on portal {portal_id}")
            count = store.revoke_app_tokens(conn, portal_id, app_id)
        self.oauth.invalidate()
        return count
