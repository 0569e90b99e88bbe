"""A small test client for one portal: calls a method through real HTTP in any of the input forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import qs_codec
from starlette.testclient import TestClient

from b24crm.auth.service import NewWebhook
from b24crm.crm.permissions import create_role, parse_grant
from b24crm.runtime import Runtime
from b24crm.store import crm_roles

FORMS = ("json", "form", "get", "multipart")


def php_query(params: dict[str, Any]) -> str:
    """PHP ``http_build_query`` of nested params (brackets percent-encoded, as most clients send them)."""
    return qs_codec.encode(params, qs_codec.EncodeOptions(encode_values_only=False))


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``(name[a][0], value)`` pairs of nested params, as a browser form or multipart body carries them."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        if value is None:
            return []
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return [(prefix, text)]
    pairs: list[tuple[str, str]] = []
    for key, item in items:
        pairs.extend(flatten(item, f"{prefix}[{key}]" if prefix else str(key)))
    return pairs


class Calls:
    """``result`` and ``error`` over a client's ``raw``, and the call activity many tests need."""

    def raw(self, method: str, params: dict[str, Any] | None = None, *, form: str = "json"):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, form: str = "json"
    ) -> dict[str, Any]:
        """The decoded body of a successful call; fails the test on an HTTP error."""
        response = self.raw(method, params, form=form)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def result(self, method: str, params: dict[str, Any] | None = None, *, form: str = "json") -> Any:
        return self.call(method, params, form=form)["result"]

    def error(
        self, method: str, params: dict[str, Any] | None = None, *, form: str = "json"
    ) -> tuple[int, dict[str, Any]]:
        response = self.raw(method, params, form=form)
        assert response.status_code != 200, response.text
        return response.status_code, response.json()

    def add_call(self, subject: str = "Call", **extra: Any) -> int:
        """A new deal with a call activity on it (``extra``: more fields); answers the activity's id."""
        deal = self.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
        return int(self.result("crm.activity.add", {"fields": call_fields(deal, subject, **extra)}))


def call_fields(deal: int, subject: str = "Call", **extra: Any) -> dict[str, Any]:
    """The fields of a call activity on ``deal``."""
    return {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal,
        "TYPE_ID": 2,
        "SUBJECT": subject,
        "COMMUNICATIONS": [{"VALUE": "1"}],
        **extra,
    }


@dataclass
class PortalClient(Calls):
    runtime: Runtime
    http: TestClient
    hook: NewWebhook

    @classmethod
    def create(
        cls,
        runtime: Runtime,
        http: TestClient,
        *,
        scopes: tuple[str, ...] = ("crm",),
        admin: bool = True,
        time_zone: str = "UTC",
    ) -> PortalClient:
        tenancy = runtime.tenancy
        portal = tenancy.create_portal(time_zone=time_zone)
        user = tenancy.create_user(
            portal.id, name="Test", last_name="Admin", email="admin@example.com", admin=admin
        )
        return cls(runtime, http, tenancy.create_webhook(portal.id, user.id, scopes))

    @property
    def base(self) -> str:
        return f"/rest/{self.hook.user.id}/{self.hook.code}"

    def with_webhook(self, user_id: int, scopes: tuple[str, ...]) -> PortalClient:
        hook = self.runtime.tenancy.create_webhook(self.hook.portal.id, user_id, scopes)
        return PortalClient(self.runtime, self.http, hook)

    def restricted(self, *grants: str) -> PortalClient:
        """A webhook of a new non-admin user holding one role made of ``grants`` (``"2:read=own"``)."""
        portal_id = self.hook.portal.id
        user = self.runtime.tenancy.create_user(portal_id, name="Seller")
        with self.runtime.db.write() as conn:
            permissions = dict(parse_grant(g) for g in grants)
            role = create_role(conn, portal_id, name="Seller", permissions=permissions)
            crm_roles.assign(conn, portal_id, user.id, role)
        return self.with_webhook(user.id, ("crm",))

    def raw(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        form: str = "json",
        path: str | None = None,
    ):  # type: ignore[no-untyped-def]
        """The httpx response of ``method`` called with ``params`` sent as ``form``."""
        url = f"{path if path is not None else self.base}/{method}"
        params = params or {}
        if form == "json":
            return self.http.post(
                url, content=json.dumps(params), headers={"Content-Type": "application/json"}
            )
        if form == "form":
            return self.http.post(
                url, content=php_query(params), headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
        if form == "get":
            query = php_query(params)
            return self.http.get(f"{url}?{query}" if query else url)
        if form == "multipart":
            parts = [(k, (None, v)) for k, v in flatten(params)] or [("bx24_empty", (None, ""))]
            return self.http.post(url, files=parts)
        raise ValueError(form)


@dataclass
class AppClient(Calls):
    """Calls made as an application: ``/rest/{method}`` with the access token in ``auth``."""

    runtime: Runtime
    http: TestClient
    access_token: str

    def raw(self, method: str, params: dict[str, Any] | None = None, *, form: str = "json"):  # type: ignore[no-untyped-def]
        body = {**(params or {}), "auth": self.access_token}
        if form == "json":
            return self.http.post(
                f"/rest/{method}.json", content=json.dumps(body), headers={"Content-Type": "application/json"}
            )
        if form == "form":
            return self.http.post(
                f"/rest/{method}",
                content=php_query(body),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        if form == "get":
            return self.http.get(f"/rest/{method}?{php_query(body)}")
        raise ValueError(form)
