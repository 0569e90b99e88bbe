"""Outgoing e-mail activities: an activity with TYPE_ID 4, DIRECTION 2 and COMPLETED Y is "sent". b24crm
sends nothing; it records the message in the outgoing-mail log, after the vendor's checks
(``CCrmActivityEmailSender::TrySendEmail``): the errors add up, and the activity is kept either way.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Connection

from b24crm.store import outbox, tenancy

EMAIL_TYPE, OUTGOING = 4, 2
FROM_NOT_FOUND = 'Email send error. "From" is not found.'
TO_NOT_FOUND = 'Email send error. "To" is not found.'
INVALID_EMAIL = "Email send error. Invalid email is specified."

_ADDRESS = re.compile(r"^[^@\s<>()\[\],;]+@[^@\s<>()\[\],;]+\.[^@\s<>()\[\],;]+$")
_BRACKETED = re.compile(r"[<\[(]\s*([^>\])]+?)\s*[>\])]")


def is_outgoing(record: dict[str, Any]) -> bool:
    return (
        record.get("type_id") == EMAIL_TYPE
        and record.get("direction") == OUTGOING
        and record.get("completed") == "Y"
    )


def address_of(text: str) -> str | None:
    """The address in ``Name <addr>`` (or a bare address), lower-cased; None when it is not valid."""
    found = _BRACKETED.search(text)
    candidate = (found.group(1) if found else text).strip().lower()
    return candidate if _ADDRESS.match(candidate) else None


def send(
    conn: Connection,
    portal_id: int,
    activity_id: int,
    record: dict[str, Any],
    communications: list[dict[str, Any]],
    now: float,
) -> list[str]:
    """Record the message; answers the vendor's error lines (empty when it was recorded)."""
    problems: list[str] = []
    raw_settings = record.get("settings")
    settings: dict[str, Any] = raw_settings if isinstance(raw_settings, dict) else {}
    sender = str(settings.get("MESSAGE_FROM", "") or "").strip()
    if sender:
        if any(address_of(part) is None for part in sender.split(",")):
            problems.append(INVALID_EMAIL)
    else:
        user = tenancy.user_by_id(conn, portal_id, record["responsible_id"])
        mailbox = address_of(user["email"]) if user and user["email"] else None
        if mailbox is None:
            problems.append(FROM_NOT_FOUND)
        else:
            sender = mailbox
    recipients = [c["value"] for c in communications if c["type"] == "EMAIL" and c["value"]]
    if any(address_of(r) is None for r in recipients) and INVALID_EMAIL not in problems:
        problems.append(INVALID_EMAIL)
    if not [r for r in recipients if address_of(r)]:
        problems.append(TO_NOT_FOUND)
    if problems:
        return problems
    outbox.insert_mail(
        conn,
        portal_id,
        {
            "activity_id": activity_id,
            "sender": sender,
            "recipients": recipients,
            "subject": record.get("subject", ""),
            "body": record.get("description", ""),
            "body_type": record.get("description_type", 1),
            "copy_to_sender": str(settings.get("DISABLE_SENDING_MESSAGE_COPY", "")).upper() != "Y",
            "created": now,
        },
    )
    return []
