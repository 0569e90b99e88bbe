"""CRM permissions: roles grant, per entity type and action, a level: none, own (the user is responsible
for the item) or all. Portal administrators may do everything.

A portal with no roles behaves like a fresh Bitrix24: everyone may do everything. Once roles exist, a user
holds the roles assigned to them, or the default roles when none are; the strongest grant wins.
Role permissions are ``{"<entityTypeId>" | "*": {"read"|"add"|"edit"|"delete": "" | "own" | "all"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.auth.models import User
from b24crm.store import crm_roles, tenancy

ACTIONS = ("read", "add", "edit", "delete")
NONE, OWN, ALL = "", "own", "all"
_RANK = {NONE: 0, OWN: 1, ALL: 2}
FULL_ACCESS: dict[str, dict[str, str]] = {"*": dict.fromkeys(ACTIONS, ALL)}


def parse_grant(text: str) -> tuple[str, dict[str, str]]:
    """``"2:read=all,edit=own"`` (or ``"*:..."``) -> ``("2", {"read": "all", "edit": "own"})``."""
    target, _, rest = text.partition(":")
    target = target.strip() or "*"
    if target != "*" and not target.isdigit():
        raise ValueError(f"not an entity type id: {target!r}")
    grants: dict[str, str] = {}
    for part in rest.split(","):
        if not part.strip():
            continue
        action, _, level = part.partition("=")
        action, level = action.strip().lower(), level.strip().lower()
        if action not in ACTIONS and action != "*":
            raise ValueError(f"not an action: {action!r} (use {', '.join(ACTIONS)})")
        if level in ("none", "-"):
            level = NONE
        if level not in _RANK:
            raise ValueError(f"not a level: {level!r} (use none, own, all)")
        for name in ACTIONS if action == "*" else (action,):
            grants[name] = level
    return target, grants


def _role_level(permissions: dict[str, Any], entity_type_id: int, action: str) -> str:
    entry = permissions.get(str(entity_type_id), permissions.get("*", {}))
    level = entry.get(action, NONE) if isinstance(entry, dict) else NONE
    return level if level in _RANK else NONE


@dataclass(frozen=True)
class Grants:
    """What one user may do in the CRM."""

    user_id: int
    admin: bool
    roles: tuple[dict[str, Any], ...]

    def level(self, entity_type_id: int, action: str) -> str:
        if self.admin:
            return ALL
        best = NONE
        for permissions in self.roles:
            level = _role_level(permissions, entity_type_id, action)
            if _RANK[level] > _RANK[best]:
                best = level
        return best

    def allows(self, entity_type_id: int, action: str, assigned_by_id: int | None = None) -> bool:
        level = self.level(entity_type_id, action)
        return level == ALL or (level == OWN and assigned_by_id == self.user_id)

    def may_at_all(self, entity_type_id: int, action: str) -> bool:
        return self.level(entity_type_id, action) != NONE

    def read_condition(self, entity_type_id: int, assigned_column: Any) -> sa.ColumnElement[bool] | None:
        """The rows of a list the user may read: None for all of them."""
        level = self.level(entity_type_id, "read")
        if level == ALL:
            return None
        if level == OWN:
            return assigned_column == self.user_id  # type: ignore[no-any-return]
        return sa.false()


def grants_for(conn: Connection, portal_id: int, user: User) -> Grants:
    if user.is_admin:
        return Grants(user.id, True, ())
    all_roles = crm_roles.list_roles(conn, portal_id)
    if not all_roles:
        return Grants(user.id, False, (FULL_ACCESS,))
    mine = crm_roles.roles_of_user(conn, portal_id, user.id) or [r for r in all_roles if r["is_default"]]
    return Grants(user.id, False, tuple(r["permissions"] for r in mine))


def create_role(
    conn: Connection,
    portal_id: int,
    *,
    name: str,
    permissions: dict[str, dict[str, str]],
    default: bool = False,
) -> int:
    """A new role; the portal's first role is preceded by the implicit full-access default made explicit."""
    if not crm_roles.list_roles(conn, portal_id):
        crm_roles.insert_role(conn, portal_id, name="Default", permissions=FULL_ACCESS, default=True)
    return crm_roles.insert_role(conn, portal_id, name=name, permissions=permissions, default=default)


def assign_role(conn: Connection, portal_id: int, user_id: int, role_id: int) -> None:
    """Give a user of the portal one of its roles; a user or role the portal does not have is refused
    (``LookupError``) rather than written as an assignment nobody holds."""
    if tenancy.user_by_id(conn, portal_id, user_id) is None:
        raise LookupError(f"no user {user_id} on portal {portal_id}")
    if role_id not in {r["id"] for r in crm_roles.list_roles(conn, portal_id)}:
        raise LookupError(f"no role {role_id} on portal {portal_id}")
    crm_roles.assign(conn, portal_id, user_id, role_id)
