"""Docs coverage: every method and setting is documented, and every method is exercised by a test."""

from __future__ import annotations

import textwrap
from pathlib import Path

from b24crm.events.delivery import PER_ORIGIN
from b24crm.events.fairness import FAILING_SHARE, MOST_HALVINGS
from b24crm.methods import load_methods
from b24crm.rpc.coverage import methods_markdown
from b24crm.settings import describe
from tests.support_calls import called_methods

ROOT = Path(__file__).resolve().parents[1]


def test_methods_page_is_generated_from_the_registry() -> None:
    assert (ROOT / "docs" / "methods.md").read_text() == methods_markdown(load_methods()), (
        "docs/methods.md is stale: run `b24crm methods --markdown > docs/methods.md`"
    )


def test_every_method_has_a_summary_and_a_vendor_page() -> None:
    for spec in load_methods():
        assert spec.summary, spec.name
        assert spec.doc, spec.name


def test_every_method_is_called_by_a_test() -> None:
    called = set().union(*(called_methods(p.read_text()) for p in (ROOT / "tests").glob("test_*.py")))
    missing = [spec.name for spec in load_methods() if spec.name not in called]
    assert missing == [], f"methods no test calls: {missing}"


def test_a_method_only_mentioned_is_not_called() -> None:
    source = textwrap.dedent(
        '''
        """crm.deal.add is described here, and `/rest/1/x/crm.deal.update`."""
        NAMES = ["crm.deal.list", "crm.deal.delete"]
        UNUSED = {"crm.lead.add": 1}

        def test_it(portal):
            """It does not call crm.lead.list."""
            # portal.result("crm.lead.get", {"id": 1})
            assert "crm.lead.delete" in portal.result("methods")
            assert portal.result("crm.deal.get", {"id": 1})["TITLE"] != "crm.lead.update"
            for name in NAMES:
                assert name.startswith("crm.")
            portal.http.get("/docs/crm.lead.fields")
            portal.result(helper_name)
        '''
    )
    assert called_methods(source) == {"methods", "crm.deal.get"}


def test_every_calling_form_counts() -> None:
    source = textwrap.dedent(
        """
        import pytest

        ENUMS = {"crm.enum.a": [1], "crm.enum.b": [2]}

        def check(portal, method, params):
            return portal.error(method, params)

        @pytest.mark.parametrize(("add", "get"), [("p.add", "p.get"), pytest.param("q.add", "q.get")])
        def test_forms(portal, app, add, get):
            portal.result("a.result", {})
            portal.call(
                "a.call"
            )
            app.api.raw("a.raw", form="get")
            portal.error("a.error")
            portal.http.get(f"{portal.base}/by.base?x=1")
            portal.http.post(f"/rest/{user}/{code}/by.path.json")
            portal.http.get("/rest/by.token?auth=t")
            portal.result("batch", {"cmd": {"a": "cmd.value", "b": f"cmd.query?id={portal.id}"}})
            portal.result("batch", {"cmd": [f"listed.command?{q}" for q in queries]})
            for name, values in ENUMS.items():
                portal.result(name)
            for entity in ("lead", "deal"):
                portal.result(f"crm.{entity}.list")
            portal.result(add)
            portal.result(get)
            check(portal, "forwarded", {})
        """
    )
    assert called_methods(source) == {
        "a.result", "a.call", "a.raw", "a.error", "by.base", "by.path", "by.token", "batch", "cmd.value",
        "cmd.query", "listed.command", "crm.enum.a", "crm.enum.b", "crm.lead.list", "crm.deal.list",
        "p.add", "p.get", "q.add", "q.get", "forwarded",
    }  # fmt: skip


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, _default, _help in describe():
        assert f"B24CRM_{name.upper()}" in readme, name


def test_readme_gives_the_event_workers_per_origin_limits() -> None:
    # The event delivery paragraph states the fairness figures: the per-origin limit, its halving down to
    # one, and the failing origins' share of the slots. A change to any of them must reach the README.
    paragraph = " ".join((ROOT / "README.md").read_text().split())
    start = paragraph.index("Handlers are kept apart")
    text = paragraph[start : paragraph.index("using an attempt", start)]
    limits = [PER_ORIGIN >> n for n in range(MOST_HALVINGS + 1)]
    assert f"at most {PER_ORIGIN} deliveries are in flight to one handler origin" in text
    assert "halved with each consecutive failure" in text and ", ".join(map(str, limits[:-1])) in text
    assert f"then {limits[-1]}" in text
    assert {0.75: "three quarters", 0.5: "half"}[FAILING_SHARE] in text
