"""app.option.* and user.option.* (docs: api-reference/common/settings/): an application's own settings and
each user's, kept per application, refused without an application's token, app.option.set for an
administrator only."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from b24crm.apps import options
from b24crm.cli import cli
from b24crm.errors import ApiError
from b24crm.store import app_options, tables
from tests.apps_support import install
from tests.client import PortalClient

DENIED_APP = (
    403,
    {"error": "ACCESS_DENIED", "error_description": "Access denied! Application context required"},
)
EMPTY = (
    400,
    {
        "error": "ERROR_ARGUMENT",
        "error_description": "Argument 'options' is null or empty",
        "argument": "options",
    },
)


@pytest.mark.parametrize("form", ["json", "form", "get"])
def test_app_options_are_written_and_read_back(portal: PortalClient, form: str) -> None:
    app = install(portal, "http://app.test/handler")
    assert app.api.result("app.option.get", form=form) == []
    assert (
        app.api.result("app.option.set", {"options": {"data": "value", "data2": "value2"}}, form=form) is True
    )
    assert app.api.result("app.option.get", form=form) == {"data": "value", "data2": "value2"}
    assert app.api.result("app.option.get", {"option": "data2"}, form=form) == "value2"
    assert app.api.result("app.option.get", {"option": "missing"}, form=form) is None
    # A second write replaces one value and keeps the other.
    app.api.result("app.option.set", {"options": {"data": "new"}}, form=form)
    assert app.api.result("app.option.get", form=form) == {"data": "new", "data2": "value2"}


def test_values_keep_their_structure_in_json(portal: PortalClient) -> None:
    app = install(portal, "http://app.test/handler")
    app.api.result("app.option.set", {"options": {"cfg": {"a": [1, 2], "b": None}, "n": 5}})
    assert app.api.result("app.option.get", {"option": "cfg"}) == {"a": [1, 2], "b": None}
    assert app.api.result("app.option.get", {"option": "n"}) == 5


def test_options_belong_to_their_application(portal: PortalClient) -> None:
    first = install(portal, "http://app.test/one")
    second = install(portal, "http://app.test/two")
    first.api.result("app.option.set", {"options": {"secret": "first's"}})
    first.api.result("user.option.set", {"options": {"mine": "first's"}})
    assert second.api.result("app.option.get") == []
    assert second.api.result("user.option.get") == []
    assert second.api.result("app.option.get", {"option": "secret"}) is None


def test_user_options_are_each_users_own(portal: PortalClient) -> None:
    other = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Other")
    as_admin = install(portal, "http://app.test/handler")
    as_other = install(portal, "http://app.test/handler2", user_id=other.id)
    as_admin.api.result("user.option.set", {"options": {"colour": "red"}})
    as_other.api.result("user.option.set", {"options": {"colour": "blue"}})
    assert as_admin.api.result("user.option.get") == {"colour": "red"}
    assert as_other.api.result("user.option.get", {"option": "colour"}) == "blue"
    # A user's options are not the application's.
    assert as_admin.api.result("app.option.get") == []


def test_app_option_set_wants_an_administrator(portal: PortalClient) -> None:
    other = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    app = install(portal, "http://app.test/handler", user_id=other.id)
    assert app.api.error("app.option.set", {"options": {"a": "b"}}) == (
        403,
        {
            "error": "ACCESS_DENIED",
            "error_description": "Access denied! Administrator authorization required",
        },
    )
    # Any user reads them, and sets their own.
    assert app.api.result("app.option.get") == []
    assert app.api.result("user.option.set", {"options": {"a": "b"}}) is True


@pytest.mark.parametrize("method", ["app.option.get", "app.option.set", "user.option.get", "user.option.set"])
def test_a_webhook_has_no_application_context(portal: PortalClient, method: str) -> None:
    assert portal.error(method, {"options": {"a": "b"}}) == DENIED_APP


@pytest.mark.parametrize("options", [None, "", "text", {}, []])
@pytest.mark.parametrize("method", ["app.option.set", "user.option.set"])
def test_empty_options_are_refused(portal: PortalClient, method: str, options: object) -> None:
    app = install(portal, "http://app.test/handler")
    params = {} if options is None else {"options": options}
    assert app.api.error(method, params) == EMPTY


def test_bounds(portal: PortalClient) -> None:
    app = install(portal, "http://app.test/handler")
    status, body = app.api.error("user.option.set", {"options": {"x" * 256: "v"}})
    assert (status, body["error"]) == (400, "ERROR_ARGUMENT")
    status, body = app.api.error("user.option.set", {"options": {"big": "v" * 70_000}})
    assert (status, body["error"]) == (400, "ERROR_ARGUMENT")
    many = {f"k{i}": i for i in range(256)}
    assert app.api.result("user.option.set", {"options": many}) is True
    status, body = app.api.error("user.option.set", {"options": {"one-more": 1}})
    assert (status, body["error_description"]) == (400, "An application keeps at most 256 options per owner")
    # Rewriting a known name stays within the bound.
    assert app.api.result("user.option.set", {"options": {"k0": "again"}}) is True


@pytest.mark.parametrize("how", ["admin API", "command line"])
def test_a_deleted_users_options_go_with_it(portal: PortalClient, how: str) -> None:
    pid = portal.hook.portal.id
    other = portal.runtime.tenancy.create_user(pid, name="Other")
    as_admin = install(portal, "http://app.test/handler")
    as_other = install(portal, "http://app.test/handler2", user_id=other.id)
    as_admin.api.result("user.option.set", {"options": {"colour": "red"}})
    as_admin.api.result("app.option.set", {"options": {"shared": "kept"}})
    as_other.api.result("user.option.set", {"options": {"colour": "blue"}})
    if how == "admin API":
        deleted = portal.http.delete(
            f"/_b24crm/portals/{pid}/users/{other.id}", headers={"Authorization": "Bearer admin-secret"}
        )
        assert deleted.json() == {"result": True}
    else:
        url = portal.runtime.db.url.render_as_string(hide_password=False)
        argv = ["user", "delete", str(other.id), "--portal", str(pid), "--yes", "--db", url]
        ran = CliRunner().invoke(cli, argv)
        assert ran.exit_code == 0, ran.output
    with portal.runtime.db.read() as conn:
        left = conn.execute(
            sa.select(tables.app_options.c.user_id, tables.app_options.c.name).where(
                tables.app_options.c.portal_id == pid
            )
        ).all()
    # The other user's options went; the administrator's and the application's own stay.
    assert sorted(map(tuple, left)) == [(0, "shared"), (1, "colour")]
    assert as_admin.api.result("user.option.get") == {"colour": "red"}


def test_the_rows_carry_their_portal(portal: PortalClient) -> None:
    app = install(portal, "http://app.test/handler")
    app.api.result("app.option.set", {"options": {"a": "b"}})
    with portal.runtime.db.read() as conn:
        assert app_options.read(conn, portal.hook.portal.id, app.id, 0) == {"a": "b"}
        assert app_options.read(conn, portal.hook.portal.id + 1, app.id, 0) == {}


@pytest.mark.parametrize(
    "params",
    [
        {"options": {"nul": "a\x00b", "big": 10**30, "neg": -1.5, "deep": [[[{"x": None}]]]}},
        {"options": {"a\x00": 1}},
        {"options": {"": "empty name"}},
        {"options": {"unicode ✓": "значение"}},
        {"option": {"a": 1}},
        {"option": ["a"]},
        {"option": 5},
        {"options": True},
        {"options": 0},
    ],
)
@pytest.mark.parametrize("form", ["json", "form"])
def test_odd_input_answers_cleanly(portal: PortalClient, params: dict[str, object], form: str) -> None:
    app = install(portal, "http://app.test/handler")
    for method in ("app.option.set", "user.option.set", "app.option.get", "user.option.get"):
        response = app.api.raw(method, params, form=form)
        assert response.status_code in (200, 400), (method, response.text)


def test_odd_values_come_back_as_given(portal: PortalClient) -> None:
    app = install(portal, "http://app.test/handler")
    given = {"big": 2**62, "neg": -1.5, "deep": [[[{"x": None}]]], "unicode ✓": "значение", "t": True}
    assert app.api.result("user.option.set", {"options": given}) is True
    assert app.api.result("user.option.get") == dict(sorted(given.items()))


@pytest.mark.parametrize("form", ["json", "form", "get"])
@pytest.mark.parametrize(
    ("set_method", "get_method"),
    [("app.option.set", "app.option.get"), ("user.option.set", "user.option.get")],
)
def test_without_options_the_parameters_are_the_options(
    portal: PortalClient, form: str, set_method: str, get_method: str
) -> None:
    """The vendor's appOptionSet/userOptionSet: ``array(name => value)`` when no ``options`` is given."""
    app = install(portal, "http://app.test/handler")
    assert app.api.result(set_method, {"colour": "red", "size": "L"}, form=form) is True
    assert app.api.result(get_method, form=form) == {"colour": "red", "size": "L"}
    # ``options`` given, the other parameters are not options.
    app.api.result(set_method, {"options": {"colour": "blue"}, "ignored": "x"}, form=form)
    assert app.api.result(get_method, form=form) == {"colour": "blue", "size": "L"}


def test_a_token_given_as_a_parameter_is_no_option(portal: PortalClient) -> None:
    app = install(portal, "http://app.test/handler")
    answer = portal.http.post(
        "/rest/user.option.set.json", json={"access_token": app.tokens["access_token"], "mode": "x"}
    )
    assert answer.json()["result"] is True, answer.text
    assert app.api.result("user.option.get") == {"mode": "x"}


@pytest.mark.parametrize("clean", [True, False])
def test_an_uninstall_that_clears_the_data_drops_the_options(portal: PortalClient, clean: bool) -> None:
    """The vendor's CRestUtil::CleanApp: with "Clear application data" the application's settings and its
    users' go; without it they stay for a later install."""
    app = install(portal, "http://app.test/handler")
    other = install(portal, "http://app.test/other")
    app.api.result("app.option.set", {"options": {"a": 1}})
    app.api.result("user.option.set", {"options": {"u": 2}})
    other.api.result("app.option.set", {"options": {"kept": True}})
    portal.runtime.apps.uninstall(portal.hook.portal.id, app.id, clean=clean)
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    with portal.runtime.db.read() as conn:
        left = (
            app_options.read(conn, portal_id, app.id, 0),
            app_options.read(conn, portal_id, app.id, user_id),
        )
        assert app_options.read(conn, portal_id, other.id, 0) == {"kept": True}
    assert left == (({}, {}) if clean else ({"a": 1}, {"u": 2}))


def test_two_writers_at_once_keep_the_bound(portal: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes writing 200 new names each to one owner at the same moment: one of them finds the
    other's and is refused, instead of both counting the 0 names before either wrote."""
    app = install(portal, "http://app.test/handler")
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    both_read = threading.Barrier(2)
    plain_read = app_options.read

    def read_then_wait(*args: Any) -> dict[str, Any]:
        found = plain_read(*args)
        # Each writer waits for the other to have counted too, unless the other cannot count yet.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=1)
        return found

    monkeypatch.setattr(app_options, "read", read_then_wait)
    outcomes: list[str] = []

    def write(prefix: str) -> None:
        try:
            options.save(
                portal.runtime.db, 0.0, portal_id, app.id, user_id, {f"{prefix}{i}": i for i in range(200)}
            )
            outcomes.append("kept")
        except ApiError as exc:
            outcomes.append(exc.description)

    writers = [threading.Thread(target=write, args=(p,)) for p in ("a", "b")]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=30)
    assert sorted(outcomes) == sorted(["kept", options.TOO_MANY.description])
    monkeypatch.undo()
    assert len(app.api.result("user.option.get")) == 200


@pytest.mark.parametrize("method", ["app.option.get", "user.option.get"])
def test_an_empty_option_name_asks_for_that_option(portal: PortalClient, method: str) -> None:
    """``isset($params['option'])`` holds for an empty string: the vendor answers the option of that name."""
    app = install(portal, "http://app.test/handler")
    app.api.result(method.replace(".get", ".set"), {"options": {"a": 1}})
    assert app.api.result(method, {"option": ""}) is None
    assert app.api.result(method, {}) == {"a": 1}
    app.api.result(method.replace(".get", ".set"), {"options": {"": "unnamed"}})
    assert app.api.result(method, {"option": ""}, form="form") == "unnamed"
