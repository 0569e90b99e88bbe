"""Docs coverage: every method and setting is documented, and every method is exercised by a test."""

from __future__ import annotations

import re
from pathlib import Path

from b24crm.methods import load_methods
from b24crm.rpc.coverage import methods_markdown
from b24crm.settings import describe

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
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    called = set(re.findall(r"[\"'/]([a-zA-Z][\w.]*)[\"'?/]", sources))
    missing = [spec.name for spec in load_methods() if spec.name not in called]
    assert missing == [], f"methods no test calls: {missing}"


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, _default, _help in describe():
        assert f"B24CRM_{name.upper()}" in readme, name
