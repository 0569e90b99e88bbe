"""Who a signed download link was issued to: the common part of serving an activity's or a timeline
record's file. A link names its portal and user and is signed with the portal's member id; it downloads
while that user is active, and while they may read what the file hangs off (checked by the caller)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from b24crm.auth.models import User
from b24crm.crm.permissions import Grants, grants_for
from b24crm.store import tenancy
from b24crm.store.files import FileStore

# (token, member id) -> whether the token was signed for this file by this portal
Verify = Callable[[str, str], bool]


def link_holder(conn: Connection, token: str, verify: Verify) -> tuple[int, Grants] | None:
    """(portal id, the holder's CRM grants) of a valid link; None when the link is not ours, not for this
    file, or its user is gone or deactivated."""
    holder = FileStore.token_holder(token)
    if holder is None:
        return None
    portal_id, user_id = holder
    portal = tenancy.portal_by_id(conn, portal_id)
    if portal is None or not verify(token, portal["member_id"]):
        return None
    user = tenancy.user_by_id(conn, portal_id, user_id)
    if user is None or not user["active"]:
        return None
    return portal_id, grants_for(conn, portal_id, User.from_row(user))
