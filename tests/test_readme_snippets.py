"""Every code block of README.md runs as written, one test per block, in the README's order, against one
``b24crm serve`` on a temporary database (its demo portal is portal 1, as on a first ``make serve``).

What a block is says its fence: ``python`` runs with this interpreter, or with pytest when the block is a
test file (its first line says ``run with: pytest [options]``); ``sh`` runs with bash, ``set -e``, the
``b24crm`` command on the PATH and B24CRM_* pointing at the server and its database; ``text`` (output,
a synopsis) and other languages (``nginx``, ``toml``) are shown, not run. A block that cannot run here
(``make serve``, a server of its own, a long benchmark) is preceded by ``<!-- not-run: why -->``: it is
skipped with that reason, so the run lists each one. A block without a language fails, naming its line.

The README writes the addresses a first ``make serve`` prints; before a block runs these are replaced by
the test server's: ``http://127.0.0.1:8024`` by its base URL, ``<code>`` by the demo webhook's code and
``<admin token>`` by its admin token.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from b24crm.devtools import serve_process

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHELL = {"sh", "bash", "shell"}
RUN = {"python", *SHELL}
SHOWN = {"text", "nginx", "toml", "ini", "json"}
TIMEOUT = 120


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence
    language: str
    code: str
    not_run: str | None  # the reason given by a <!-- not-run: ... --> just before it

    @property
    def name(self) -> str:
        return f"README.md:{self.line}-{self.language or 'untagged'}"


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        fence = re.match(r"^(`{3,})\s*([\w+-]*)", lines[index])
        if not fence:
            index += 1
            continue
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].startswith(fence.group(1))), len(lines)
        )
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        reason = re.match(r"^<!--\s*not-run:\s*(.*?)\s*-->$", previous.strip())
        found.append(
            Block(
                index + 1,
                fence.group(2).lower(),
                "\n".join(lines[index + 1 : end]) + "\n",
                reason and reason[1],
            )
        )
        index = end + 1
    return found


@dataclass
class Live:
    base: str
    code: str
    token: str
    env: dict[str, str]
    workdir: Path

    def fill(self, code: str) -> str:
        return (
            code.replace("http://127.0.0.1:8024", self.base)
            .replace("<code>", self.code)
            .replace("<admin token>", self.token)
        )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    scratch = tmp_path_factory.mktemp("readme")
    db = f"sqlite:///{scratch / 'b24crm.db'}"
    data = scratch / "b24crm-data"
    token = "readme-admin-token"
    with serve_process(db, data, "--admin-token", token) as printed:
        base = f"http://127.0.0.1:{printed['port']}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("B24CRM_")}
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            B24CRM_DB=db,
            B24CRM_DATA_DIR=str(data),
            B24CRM_PORT=printed["port"],
            B24CRM_ADMIN_TOKEN=token,
        )
        code = printed["Webhook"].rstrip("/").rsplit("/", 1)[1]
        work = scratch / "work"
        work.mkdir()
        yield Live(base, code, token, env, work)


ALL = blocks(README.read_text())


def test_every_block_says_what_it_is() -> None:
    untagged = [b.name for b in ALL if not b.language and not b.not_run]
    assert untagged == [], (
        "code blocks without a language: tag each python or sh (run by this test), text (output, a "
        "synopsis) or its format, or precede it with <!-- not-run: why -->"
    )
    unknown = [b.name for b in ALL if b.language and b.language not in RUN | SHOWN]
    assert unknown == [], f"languages this test neither runs nor knows as shown-only: {unknown}"


@pytest.mark.parametrize("block", [b for b in ALL if b.language in RUN or b.not_run], ids=lambda b: b.name)
def test_block_runs_as_written(block: Block, live: Live) -> None:
    if block.not_run:
        pytest.skip(f"{block.name} not run: {block.not_run}")
    code = live.fill(block.code)
    if block.language in SHELL:
        command = ["bash", "-e", "-o", "pipefail", "-c", code]
    else:
        pytest_args = re.search(r"run with: pytest(.*)$", code.splitlines()[0])
        script = live.workdir / (f"test_readme_{block.line}.py" if pytest_args else f"readme_{block.line}.py")
        script.write_text(code)
        command = [sys.executable, str(script)]
        if pytest_args:
            command = [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *pytest_args[1].split(),
            ]
            command.append(str(script))
    ran = subprocess.run(
        command, cwd=live.workdir, env=live.env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert ran.returncode == 0, (
        f"{block.name} failed ({ran.returncode}):\n{code}\n--- stdout\n{ran.stdout[-3000:]}"
        f"\n--- stderr\n{ran.stderr[-3000:]}"
    )


def test_blocks_are_read_with_their_language_and_reason() -> None:
    text = (
        "Intro\n\n```python\nprint(1)\n```\n\n<!-- not-run: starts a server -->\n```sh\nmake serve\n```\n"
        "```\nuntagged\n```\n````text\n```\nnested\n````\n"
    )
    assert blocks(text) == [
        Block(3, "python", "print(1)\n", None),
        Block(8, "sh", "make serve\n", "starts a server"),
        Block(11, "", "untagged\n", None),
        Block(14, "text", "```\nnested\n", None),
    ]
