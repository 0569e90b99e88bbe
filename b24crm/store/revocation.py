"""Ending an application's credentials before their time, short of uninstalling it."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from b24crm.store.tables import oauth_codes, oauth_tokens


def revoke_app_tokens(conn: Connection, portal_id: int, app_id: int) -> int:
    """Delete the app's token pairs (access and refresh tokens, event tokens included) and its unspent
    authorization codes, which would otherwise still buy a pair; answers how many pairs went. A deleted
    token is what an unknown one is: ``invalid_token`` on a call, ``invalid_grant`` on a refresh."""
    conn.execute(
        oauth_codes.delete().where(oauth_codes.c.portal_id == portal_id, oauth_codes.c.app_id == app_id)
    )
    t = oauth_tokens
    return conn.execute(t.delete().where(t.c.portal_id == portal_id, t.c.app_id == app_id)).rowcount or 0
