"""Outgoing webhooks: a portal's events sent to a URL without an application (Bitrix24's "Outgoing
webhook"), each with the application_token a handler checks the calls against."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from b24crm.apps.callbacks import http_url
from b24crm.store import deliveries, tenancy
from b24crm.store.engine import Database


@dataclass(frozen=True)
class OutgoingWebhook:
    id: int
    event: str
    url: str
    application_token: str


def create(
    db: Database, portal_id: int, *, event: str, url: str, user_id: int, now: float
) -> OutgoingWebhook:
    name = event.strip().upper()
    if not name:
        raise ValueError("an event name is needed, e.g. ONCRMACTIVITYADD")
    http_url(url, "handler URL")
    token = secrets.token_hex(16)
    with db.write() as conn:
        if tenancy.portal_by_id(conn, portal_id) is None:
            raise LookupError(f"no portal {portal_id}")
        if tenancy.user_by_id(conn, portal_id, user_id) is None:
            raise LookupError(f"no user {user_id} on portal {portal_id}")
        handler_id = deliveries.insert_handler(
            conn,
            portal_id,
            {"event": name, "url": url, "application_token": token, "user_id": user_id, "created": now},
        )
    return OutgoingWebhook(handler_id, name, url, token)
