"""The vendor's system-error table, checked against the catalogue extracted from the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b24crm import errors

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "methods.json"


@pytest.fixture(scope="module")
def documented() -> list[dict]:  # type: ignore[type-arg]
    if not SPEC.exists():
        pytest.skip(f"the spec catalogue is not beside the checkout ({SPEC})")
    entries = json.loads(SPEC.read_text())
    return next(e for e in entries if e["name"] == "*system*")["errors"]


def test_every_documented_system_error_is_in_the_table(documented: list[dict]) -> None:  # type: ignore[type-arg]
    ours = {(e.code, e.description, e.status) for e in errors.SYSTEM_ERRORS}
    theirs = {(e["code"], e["message"], e["status"]) for e in documented}
    assert ours == theirs


def test_an_error_renders_as_the_vendor_envelope() -> None:
    exc = errors.NO_AUTH_FOUND()
    assert exc.status == 401
    assert exc.body() == {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}
    custom = errors.ERROR_ARGUMENT("Argument 'PLACEMENT' is null or empty", argument="PLACEMENT")
    assert custom.body() == {
        "error": "ERROR_ARGUMENT",
        "error_description": "Argument 'PLACEMENT' is null or empty",
        "argument": "PLACEMENT",
    }
