"""The vendor's docs replayed: every request example of an implemented method's page, its answer's
shape against the page's response example, and every error code the page lists.

The facts come from tests/docs/examples.json (regenerate with ``python -m tests.docs.extract <docs
checkout>``). A case that differs on purpose is in tests/docs/decided.py with its docs/compatibility.md line;
the test then asserts b24crm's answer, so any change to it shows.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from b24crm.runtime import Runtime
from tests.apps_support import install
from tests.client import PortalClient
from tests.docs.decided import ANSWERED, ERRORS_DECIDED, SHAPES
from tests.docs.shapes import differences
from tests.docs.world import APP_METHODS, World

FACTS = json.loads((Path(__file__).parent / "docs" / "examples.json").read_text())["methods"]
PACKAGE = Path(__file__).resolve().parents[1] / "b24crm"

REQUESTS = [
    pytest.param(name, i, id=f"{name}#{i}")
    for name, page in sorted(FACTS.items())
    for i in range(len(page.get("requests", [])))
]
ERRORS = [
    pytest.param(name, i, id=f"{name}#{i}:{e['code'] or 'empty'}")
    for name, page in sorted(FACTS.items())
    for i, e in enumerate(page.get("errors", []))
]


@pytest.mark.parametrize(("name", "index"), REQUESTS)
def test_request_example(runtime: Runtime, http: TestClient, name: str, index: int) -> None:
    page = FACTS[name]
    portal = PortalClient.create(runtime, http, scopes=("crm", "user", "placement"))
    example = page["requests"][index]
    world = World(portal)
    if name.startswith(APP_METHODS):
        world.caller = install(portal, "http://app.test/install", scopes="crm,placement,user").api
    response = world.caller.raw(example["method"], world.request(name, example["params"]))
    key = f"{name}#{index}"
    body: dict[str, Any] = response.json()
    if key in ANSWERED:
        line, status, error = ANSWERED[key]
        assert (response.status_code, body.get("error")) == (status, error), f"{page['page']}: {line}"
        return
    assert response.status_code == 200, f"{page['page']} example {index}: {response.text[:500]}"
    if index == 0 and page.get("response") is not None:
        found = sorted(differences(page["response"], body["result"]))
        decided = SHAPES.get(name)
        if decided:
            line, expected = decided
            assert found == sorted(expected), f"{page['page']} ({line})"
        else:
            assert found == [], f"{page['page']}: the answer differs from the response example"


def _literals() -> tuple[set[str], list[re.Pattern[str]]]:
    """Every string b24crm's source declares: plain ones, and f-strings and ``str.format`` templates as
    patterns whose placeholders match anything."""
    plain: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                plain.add(node.value)
                if "{" in node.value:
                    parts: list[str | None] = []
                    for i, part in enumerate(re.split(r"\{[^{}]*\}", node.value)):
                        parts += [None, part] if i else [part]
                    _add_pattern(patterns, parts)
            elif isinstance(node, ast.JoinedStr):
                pieces = [v.value if isinstance(v, ast.Constant) else None for v in node.values]
                _add_pattern(patterns, [p if isinstance(p, str) else None for p in pieces])
    return plain, patterns


def _add_pattern(patterns: list[re.Pattern[str]], parts: list[str | None]) -> None:
    # A template that is mostly placeholders would match any text: only real sentences count.
    if sum(len(p) for p in parts if isinstance(p, str)) < 12:
        return
    text = "".join(re.escape(p) if isinstance(p, str) else ".*" for p in parts)
    patterns.append(re.compile(text, re.S))


PLAIN, PATTERNS = _literals()


def answered_somewhere(text: str) -> bool:
    """Whether b24crm declares this code or message (a final period is the docs' punctuation)."""
    text = text.rstrip(".")
    if text in PLAIN or f"{text}." in PLAIN:
        return True
    return any(p.fullmatch(text) or p.fullmatch(f"{text}.") for p in PATTERNS)


def is_code(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_]+", text) is not None


@pytest.mark.parametrize(("name", "index"), ERRORS)
def test_listed_error_code(name: str, index: int) -> None:
    """Each error a page lists is one b24crm can answer: its code, or for the older proxy's empty code
    its message, is declared in b24crm's source."""
    page = FACTS[name]
    error = page["errors"][index]
    key = f"{name}#{index}"
    if key in ERRORS_DECIDED:
        assert ERRORS_DECIDED[key][1] == (error["code"] or error["message"]), "the docs changed: revisit"
        return
    needle = error["code"] if error["code"] and is_code(error["code"]) else error["code"] or error["message"]
    assert answered_somewhere(needle), f"{page['page']}: {error}"


def test_every_decision_names_a_line_of_the_compatibility_table() -> None:
    table = (Path(__file__).resolve().parents[1] / "docs" / "compatibility.md").read_text()
    lines = {row.split(" | ")[0].removeprefix("| ") for row in table.splitlines() if row.startswith("| ")}
    decisions = [d[0] for d in ANSWERED.values()] + [d[0] for d in SHAPES.values()]
    decisions += [d[0] for d in ERRORS_DECIDED.values()]
    assert sorted(set(decisions) - lines) == []
