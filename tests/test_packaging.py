"""The wheel ``python -m build`` makes holds every file of the package (templates, static files,
migrations), and installed into a fresh virtual environment it gives a ``b24crm`` command that migrates,
serves and answers a webhook call.

The build runs without isolation (the environment's setuptools, no download) and the fresh environment
takes the dependencies from this one's site-packages (the wheel itself goes in with ``--no-deps``), so the
test stays fast and needs no network. Without the ``build`` package it is skipped with the reason, unless
``B24CRM_REQUIRE_BUILD=1`` (CI), where that is an error.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import pytest

from b24crm.devtools import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("build") is None:
        message = "packaging test skipped: the build package is not installed (pip install -e '.[dev]')"
        if os.environ.get("B24CRM_REQUIRE_BUILD") == "1":
            pytest.fail(message.replace("skipped", "required (B24CRM_REQUIRE_BUILD=1)"))
        pytest.skip(message)
    # A copy of what the package is made of: building in the working tree would leave build/ behind.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "b24crm", source / "b24crm", ignore=shutil.ignore_patterns("__pycache__"))
    dist = source / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert len(list(dist.glob("*.tar.gz"))) == 1  # the sdist the wheel was built from
    (made,) = dist.glob("b24crm-*.whl")
    return made


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    files = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "b24crm").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert sorted(files - names) == []
    for needed in (
        "b24crm/web/templates/base.html",
        "b24crm/web/static/web.css",
        "b24crm/store/migrations/script.py.mako",
        "b24crm/store/migrations/versions/0001_tenancy.py",
    ):
        assert needed in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    declared = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "b24crm = b24crm.cli:main" in declared
    assert "[pytest11]" in declared


def test_the_installed_wheel_migrates_and_serves(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bindir = venv / "bin"
    # The dependencies come from this environment's site-packages, after the fresh one's own (where the
    # wheel goes): a plain path in a .pth file, so this environment's editable b24crm is not seen.
    fresh_site = subprocess.run(
        [bindir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(fresh_site, "b24crm-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(bindir / "python"), "install", "-q", "--no-deps"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("B24CRM_")}
    where = subprocess.run(
        [bindir / "python", "-c", "import b24crm.web, b24crm; print(b24crm.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert where.startswith(fresh_site), where

    db = f"sqlite:///{tmp_path / 'packaged.db'}"
    upgraded = subprocess.run(
        [bindir / "b24crm", "db", "upgrade", "--db", db],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()
    with (tmp_path / "serve.log").open("w+") as log:
        proc = subprocess.Popen(
            [bindir / "b24crm", "serve", "--db", db, "--port", str(port), "--data-dir", str(tmp_path / "d")],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=tmp_path,
            env=env,
        )
        try:
            assert proc.stdout is not None
            webhook = next((line for line in proc.stdout if line.startswith("Webhook: ")), "")
            assert webhook, (tmp_path / "serve.log").read_text()[-2000:]
            wait_for_port(port, proc)
            answer = httpx.get(f"{webhook.split()[1]}server.time")
            assert answer.status_code == 200 and answer.json()["result"].startswith("20")
            pages = httpx.get(f"http://127.0.0.1:{port}/ui/static/web.css")  # the static files are there
            assert pages.status_code == 200, pages.status_code
        finally:
            proc.terminate()
            proc.wait(10)
