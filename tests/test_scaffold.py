"""``b24crm scaffold``: a new family is laid out, found without being listed, and its test passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from b24crm.scaffold import Family, check, write

ROOT = Path(__file__).resolve().parents[1]


def test_a_scaffolded_family_is_served_and_its_test_passes(tmp_path: Path) -> None:
    # A copy of the checkout, so that the new family is written beside the real ones but not into them.
    shutil.copytree(ROOT / "b24crm", tmp_path / "b24crm", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("js", "__pycache__"))
    family = Family("crm_sample_note", "crm.sample.note", "api-reference/crm/sample/notes")
    made = write(tmp_path, family)
    assert {p.relative_to(tmp_path).as_posix() for p in made} == {
        "b24crm/methods/crm_sample_note/__init__.py",
        "b24crm/methods/crm_sample_note/handlers.py",
        "b24crm/crm/crm_sample_note.py",
        "tests/test_crm_sample_note.py",
    }
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from b24crm.methods import load_methods as m; print(m().get('crm.sample.note.fields').doc)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.strip() == "api-reference/crm/sample/notes/crm-sample-note-fields.md"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_crm_sample_note.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    with pytest.raises(FileExistsError):
        write(tmp_path, family)  # never over a family that is there


@pytest.mark.parametrize(
    ("name", "prefix"), [("Crm-Note", "crm.note"), ("crm_note", "crm"), ("crm_note", "crm.note; rm")]
)
def test_names_are_checked(name: str, prefix: str) -> None:
    with pytest.raises(ValueError):
        check(Family(name, prefix, "api-reference/x/"))
