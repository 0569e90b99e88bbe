"""b24crm from an integrator's test suite: a served b24crm, a fresh portal with a webhook, the admin API,
an installed OAuth application with its tokens, and an event receiver. The pytest plugin
(``b24crm/pytest_plugin.py``) hands these out as fixtures; they work without pytest too::

    with serve() as server:
        portal = server.new_portal()
        portal.call("crm.deal.add", {"fields": {"TITLE": "A"}})

Everything talks to the server over HTTP, as the code under test does; the server runs in its own process
(``b24crm serve``), so the suite's event loop, clock and imports stay its own.
"""

from __future__ import annotations

import re
import secrets
import ssl
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from b24crm.devtools import EventReceiver, serve_process


class CallError(Exception):
    """A REST call answered with the vendor's error envelope."""

    def __init__(self, status: int, answer: Any) -> None:
        self.status = status
        self.answer = answer
        body = answer if isinstance(answer, dict) else {}
        self.error = str(body.get("error", ""))
        self.description = str(body.get("error_description", ""))
        super().__init__(f"{status} {self.error}: {self.description}")


def _result(response: httpx.Response) -> Any:
    try:
        answer = response.json()
    except ValueError:
        raise CallError(response.status_code, response.text[:500]) from None
    if response.status_code >= 400 or (isinstance(answer, dict) and "error" in answer):
        raise CallError(response.status_code, answer)
    return answer["result"]


class Receiver(EventReceiver):
    """An event handler on a loopback port that keeps every delivery it is sent: its form fields as the
    server posted them (``event``, ``data[FIELDS][ID]``, ``auth[access_token]``, ...)."""

    @property
    def events(self) -> list[dict[str, str]]:
        with self.lock:
            return [dict(call["form"]) for call in self.calls]

    def wait_for(self, event: str, timeout: float = 10.0, count: int = 1) -> dict[str, str]:
        """The ``count``-th delivery of ``event`` (case-insensitive), once it has arrived; AssertionError
        naming what did arrive when it has not within ``timeout`` seconds."""
        wanted = event.upper()
        deadline = time.monotonic() + timeout
        while True:
            found = [form for form in self.events if form.get("event", "").upper() == wanted]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() >= deadline:
                seen = [form.get("event") for form in self.events]
                raise AssertionError(f"{count} x {wanted} not received in {timeout} s; received: {seen}")
            time.sleep(0.02)


@dataclass
class App:
    """An installed local application and a token pair of its installer (``auth`` as event handlers get)."""

    portal: Portal
    id: int
    client_id: str
    client_secret: str
    application_token: str
    handler: str
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def access_token(self) -> str:
        return str(self.tokens["access_token"])

    @property
    def refresh_token(self) -> str:
        return str(self.tokens["refresh_token"])

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """``/rest/{method}`` with the access token; the ``result``, or CallError."""
        server = self.portal.server
        body = {**(params or {}), "auth": self.access_token}
        return _result(server.http.post(f"{server.url}/rest/{method}", json=body))

    def bind(self, event: str, handler: str | None = None) -> None:
        """``event.bind``: deliveries of ``event`` go to ``handler`` (the app's own handler by default)."""
        self.call("event.bind", {"event": event, "handler": handler or self.handler})

    def refresh(self) -> dict[str, Any]:
        """The refresh_token grant; the new pair replaces the old."""
        server = self.portal.server
        grant = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }
        response = server.http.get(f"{server.url}/oauth/token/", params=grant)
        response.raise_for_status()
        self.tokens = response.json()
        return self.tokens


@dataclass
class Portal:
    """A portal with an administrator (``user_id``) and a webhook holding ``scopes``."""

    server: Server
    id: int
    domain: str
    member_id: str
    user_id: int
    webhook: str

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``: the domain clients that build the URL themselves (b24pysdk) take."""
        return urlsplit(self.webhook).netloc

    @property
    def webhook_token(self) -> str:
        """``<user>/<code>``: the webhook as b24pysdk's ``BitrixWebhook`` takes it."""
        return urlsplit(self.webhook).path.removeprefix("/rest/").strip("/")

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """The webhook call (a JSON body); the ``result``, or CallError."""
        return _result(self.server.http.post(f"{self.webhook}{method}", json=params or {}))

    def events(self) -> list[dict[str, Any]]:
        """The portal's event outbox, oldest first (whether or not a handler is bound)."""
        return self.server.admin_get(f"portals/{self.id}/events")  # type: ignore[no-any-return]

    def install_app(self, handler: str, scope: str = "crm,user,placement") -> App:
        """A new installed application (its handler gets ONAPPINSTALL) with the administrator's tokens,
        obtained as an application does: /oauth/authorize/, then the authorization_code grant."""
        server = self.server
        made = server.admin.post(f"portals/{self.id}/apps", json={"handler": handler, "scope": scope})
        made.raise_for_status()
        app = made.json()["result"]
        redirect = server.http.get(
            f"{server.url}/oauth/authorize/", params={"client_id": app["client_id"], "state": "test"}
        )
        code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
        grant = {
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": code,
        }
        tokens = server.http.get(f"{server.url}/oauth/token/", params=grant)
        tokens.raise_for_status()
        return App(
            self,
            app["id"],
            app["client_id"],
            app["client_secret"],
            app["application_token"],
            handler,
            tokens.json(),
        )

    def delete(self) -> None:
        self.server.admin.delete(f"portals/{self.id}")


class Server:
    """A running b24crm: its base URL, admin token, the CA to trust when it serves HTTPS (``ca``), and an
    httpx client on its admin namespace (``admin``)."""

    def __init__(self, url: str, admin_token: str, ca: str | None) -> None:
        self.url = url
        self.admin_token = admin_token
        self.ca = ca
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca) if ca else True
        self.http = httpx.Client(verify=verify, timeout=30)
        self.admin = httpx.Client(
            base_url=f"{url}/_b24crm/",
            headers={"Authorization": f"Bearer {admin_token}"},
            verify=verify,
            timeout=30,
        )

    def admin_get(self, path: str) -> Any:
        """The ``result`` of an admin read (``portals/2/deliveries``)."""
        response = self.admin.get(path)
        response.raise_for_status()
        return response.json()["result"]

    def new_portal(self, scopes: str = "crm,user", time_zone: str = "UTC") -> Portal:
        """A fresh portal: tests on portals of their own need no cleanup between them."""
        response = self.admin.post("portals", json={"scopes": scopes, "time_zone": time_zone})
        response.raise_for_status()
        made = response.json()["result"]
        portal = made["portal"]
        return Portal(
            self, portal["id"], portal["domain"], portal["member_id"], made["user_id"], made["webhook"]
        )

    def close(self) -> None:
        self.http.close()
        self.admin.close()


@contextmanager
def serve(db: str | None = None, *, tls: bool = False) -> Iterator[Server]:
    """``b24crm serve`` on a free loopback port, on ``db`` (migrated) or a temporary SQLite file."""
    with tempfile.TemporaryDirectory(prefix="b24crm-") as scratch:
        token = secrets.token_urlsafe(24)
        url = db or f"sqlite:///{Path(scratch) / 'b24crm.db'}"
        extra = ["--admin-token", token, *(["--tls"] if tls else [])]
        with serve_process(url, Path(scratch) / "data", *extra) as lines:
            ca = None
            if tls:
                match = re.search(r"REQUESTS_CA_BUNDLE=(\S+)", lines.get("TLS", ""))
                assert match, f"serve --tls printed no CA: {lines}"
                ca = match.group(1)
            server = Server(f"{'https' if tls else 'http'}://127.0.0.1:{lines['port']}", token, ca)
            try:
                yield server
            finally:
                server.close()
