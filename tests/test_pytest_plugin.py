"""The pytest plugin (b24crm/pytest_plugin.py) as a user's suite meets it: test files written to a scratch
directory and run by pytester, with the plugin found through its ``pytest11`` entry point."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

USER_SUITE = """
    import httpx
    import pytest
    from b24crm.testkit import CallError


    def test_webhook_and_events(b24crm_portal, b24crm_app, b24crm_receiver):
        assert b24crm_receiver.wait_for("ONAPPINSTALL")["auth[application_token]"] == (
            b24crm_app.application_token
        )
        b24crm_app.bind("ONCRMACTIVITYADD")
        deal = b24crm_portal.call("crm.deal.add", {"fields": {"TITLE": "Plugin"}})
        activity = b24crm_portal.call("crm.activity.add", {"fields": {
            "OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "Call",
            "COMMUNICATIONS": [{"VALUE": "+100", "ENTITY_ID": deal, "ENTITY_TYPE_ID": 2}],
        }})
        sent = b24crm_receiver.wait_for("ONCRMACTIVITYADD")
        assert sent["data[FIELDS][ID]"] == str(activity)
        assert sent["auth[member_id]"] == b24crm_portal.member_id
        assert b24crm_app.call("crm.activity.get", {"id": activity})["SUBJECT"] == "Call"
        with pytest.raises(CallError) as refused:
            b24crm_portal.call("crm.activity.get", {"id": 10**6})
        assert refused.value.status == 400


    def test_portals_are_apart(b24crm_portal, b24crm_admin, b24crm_server):
        assert b24crm_portal.call("crm.deal.list") == []
        assert b24crm_portal.call("server.time").startswith("20")
        mine = b24crm_admin.get(f"portals/{b24crm_portal.id}").json()["result"]
        assert mine["domain"] == b24crm_portal.domain
        assert httpx.get(f"{b24crm_server.url}/_b24crm/health").json()["status"] == "ok"


    def test_tokens_refresh(b24crm_app):
        old = b24crm_app.access_token
        b24crm_app.refresh()
        assert b24crm_app.access_token != old
        assert b24crm_app.call("app.info")["CODE"] == b24crm_app.client_id
"""


def test_a_user_suite_passes_on_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=textwrap.dedent(USER_SUITE))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_failing_assertion_fails_and_portals_do_not_leak(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            def test_first(b24crm_portal):
                b24crm_portal.call("crm.deal.add", {"fields": {"TITLE": "Kept apart"}})
                assert len(b24crm_portal.call("crm.deal.list")) == 1

            def test_second(b24crm_portal, b24crm_admin):
                # The first test's portal is gone: only the demo portal and this one remain.
                portals = b24crm_admin.get("portals").json()["result"]
                assert [p["id"] for p in portals][-1] == b24crm_portal.id
                assert len(portals) == 2
                assert b24crm_portal.call("crm.deal.list") == ["not", "empty"]
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*assert [] == ['not', 'empty']*"])


def test_the_plugin_loads_nothing_heavy_until_asked() -> None:
    """Every pytest run beside an installed b24crm loads the plugin (this suite's too): importing it must
    not start or import the server."""
    probe = (
        "import sys, b24crm.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith(('b24crm.', 'sqlalchemy', 'httpx', 'uvicorn'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "['b24crm.pytest_plugin']"


def test_the_server_runs_on_the_database_named(pytester: pytest.Pytester) -> None:
    """``--b24crm-db``: the session's server on PostgreSQL (a scratch database), migrated by serve."""
    from tests.conftest import pg_scratch

    with pg_scratch("b24crm_plugin") as url:
        pytester.makepyfile(
            test_user="""
            def test_on_postgresql(b24crm_portal, b24crm_admin):
                assert b24crm_admin.get("").json()["result"]["database"] == "postgresql"
                assert b24crm_portal.call("crm.deal.add", {"fields": {"TITLE": "On PG"}}) == 1
            """
        )
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--b24crm-db", url)
        result.assert_outcomes(passed=1)
