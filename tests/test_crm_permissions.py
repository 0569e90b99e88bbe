"""The CRM permission model: roles, levels, defaults."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from b24crm.auth.service import Tenancy
from b24crm.cli import cli
from b24crm.clock import SystemClock
from b24crm.crm.permissions import ALL, NONE, OWN, create_role, grants_for, parse_grant
from b24crm.store.engine import Database
from b24crm.store.tables import crm_items


def test_parse_grant() -> None:
    assert parse_grant("2:read=all,add=own,delete=none") == ("2", {"read": "all", "add": "own", "delete": ""})
    assert parse_grant("*:*=own") == ("*", {"read": "own", "add": "own", "edit": "own", "delete": "own"})


def test_levels_roles_and_defaults(database: Database) -> None:
    tenancy = Tenancy(database, SystemClock())
    portal = tenancy.create_portal()
    admin = tenancy.create_user(portal.id, admin=True)
    seller = tenancy.create_user(portal.id, name="Seller")
    other = tenancy.create_user(portal.id, name="Other")
    with database.read() as conn:
        fresh = grants_for(conn, portal.id, seller)
    assert fresh.level(2, "delete") == ALL  # a fresh portal lets everyone do everything
    with database.write() as conn:
        sales = create_role(
            conn, portal.id, name="Sales", permissions=dict([parse_grant("2:read=all,edit=own")])
        )
        from b24crm.store import crm_roles

        crm_roles.assign(conn, portal.id, seller.id, sales)
    with database.read() as conn:
        seller_grants = grants_for(conn, portal.id, seller)
        other_grants = grants_for(conn, portal.id, other)
        admin_grants = grants_for(conn, portal.id, admin)
    assert seller_grants.level(2, "read") == ALL
    assert seller_grants.level(2, "edit") == OWN
    assert seller_grants.level(2, "delete") == NONE
    assert seller_grants.level(3, "read") == NONE  # the role names deals only
    assert seller_grants.allows(2, "edit", assigned_by_id=seller.id)
    assert not seller_grants.allows(2, "edit", assigned_by_id=other.id)
    assert other_grants.level(3, "delete") == ALL  # no role of their own: the default one
    assert admin_grants.level(2, "delete") == ALL
    assert str(seller_grants.read_condition(3, crm_items.c.assigned_by_id)) == str(sa.false())
    assert seller_grants.read_condition(2, crm_items.c.assigned_by_id) is None


def test_role_cli(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    tenancy = Tenancy(database, SystemClock())
    portal = tenancy.create_portal()
    tenancy.create_user(portal.id, admin=True)
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "role",
            "create",
            "--db",
            url,
            "--portal",
            str(portal.id),
            "--name",
            "Readers",
            "--grant",
            "*:read=all",
        ],
    )
    assert made.exit_code == 0, made.output
    assert made.output.strip() == "Role: 2"  # 1 is the default role made explicit
    user = runner.invoke(cli, ["user", "create", "--db", url, "--portal", str(portal.id), "--role", "2"])
    assert user.output.strip() == "User: 2"
    with database.read() as conn:
        reader = grants_for(conn, portal.id, _user(tenancy, portal.id, 2))
    assert reader.level(2, "read") == ALL and reader.level(2, "add") == NONE
    bad = runner.invoke(
        cli,
        ["role", "create", "--db", url, "--portal", str(portal.id), "--name", "X", "--grant", "2:fly=all"],
    )
    assert bad.exit_code == 1


def _user(tenancy: Tenancy, portal_id: int, user_id: int):  # type: ignore[no-untyped-def]
    from b24crm.auth.models import User
    from b24crm.store import tenancy as repo

    with tenancy.db.read() as conn:
        row = repo.user_by_id(conn, portal_id, user_id)
    assert row is not None
    return User.from_row(row)
