"""Every code block of README.md runs as written, one test per block, in the README's order, against one
``b24crm serve`` on a temporary database (its demo portal is portal 1, as on a first ``make serve``).

What a block is says its fence: ``python`` runs with this interpreter, or with pytest when the block is a
test file (its first line says ``run with: pytest [options]``); ``sh`` runs with bash, ``set -e``, the
``b24crm`` command on the PATH and B24CRM_* pointing at the server and its database; ``text`` (output,
a synopsis) and other languages (``nginx``, ``toml``) are shown, not run. A block that cannot run here
(``make serve``, a server of its own, a long benchmark) is preceded by ``<!-- not-run: why -->``: it is
skipped with that reason, so the run lists each one. A block without a language fails, naming its line.

A shell block's ``b24crm`` commands run inside this test's process, through click's CliRunner, with the
argv, B24CRM_* environment, working directory and standard input the shell gives them: the ``b24crm`` on
the block's PATH is a small stdlib script that hands them over a Unix socket and prints what the command
printed, exiting with its code, so pipes, ``$(...)`` and ``set -e`` work as with the installed command
(whose entry point test_packaging.py runs). Starting a Python process that imports the whole package
for each of them made this file take minutes on a loaded machine. ``curl`` and every other command run
for real.

The README writes the addresses a first ``make serve`` prints; before a block runs these are replaced by
the test server's: ``http://127.0.0.1:8024`` by its base URL, ``<code>`` by the demo webhook's code and
``<admin token>`` by its admin token.
"""

from __future__ import annotations

import json
import os
import re
import socketserver
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from b24crm.cli import cli
from b24crm.devtools import serve_process

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHELL = {"sh", "bash", "shell"}
RUN = {"python", *SHELL}
SHOWN = {"text", "nginx", "toml", "ini", "json"}
TIMEOUT = 120
SOCKET_VARIABLE = "README_B24CRM_SOCKET"

# The ``b24crm`` a shell block calls: its argv, B24CRM_* variables, directory and input to this process,
# its output and exit code back. Standard library only, without site (-S): it starts in milliseconds.
SHIM = """#!{python} -S
import json, os, socket, sys

request = {{
    "argv": sys.argv[1:],
    "env": {{k: v for k, v in os.environ.items() if k.startswith("B24CRM_")}},
    "cwd": os.getcwd(),
    "stdin": "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read(),
}}
with socket.socket(socket.AF_UNIX) as conn:
    conn.connect(os.environ["{variable}"])
    conn.sendall(json.dumps(request).encode())
    conn.shutdown(socket.SHUT_WR)
    answer = json.loads(b"".join(iter(lambda: conn.recv(65536), b"")))
sys.stdout.write(answer["stdout"])
sys.stdout.flush()
sys.stderr.write(answer["stderr"])
sys.exit(answer["code"])
"""


def run_cli(request: dict[str, Any]) -> dict[str, Any]:
    """One ``b24crm`` command as the shim asked for it, run here; one at a time (the server's thread)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("B24CRM_")}
    env.update(request["env"])
    here = os.getcwd()
    os.chdir(request["cwd"])
    try:
        result = CliRunner().invoke(cli, request["argv"], input=request["stdin"], env=env, prog_name="b24crm")
    finally:
        os.chdir(here)
    stderr = result.stderr
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return {"stdout": result.stdout, "stderr": stderr, "code": result.exit_code}


class _CliHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        answer = run_cli(json.loads(self.rfile.read()))
        self.wfile.write(json.dumps(answer).encode())


@pytest.fixture(scope="module")
def cli_bin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(the directory holding the shim ``b24crm``, the socket its commands are answered at)."""
    where = tmp_path_factory.mktemp("cli")
    socket_path = str(where / "cli.sock")
    shim = where / "b24crm"
    shim.write_text(SHIM.format(python=sys.executable, variable=SOCKET_VARIABLE))
    shim.chmod(0o755)
    with socketserver.UnixStreamServer(socket_path, _CliHandler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield where, socket_path
        finally:
            server.shutdown()
            thread.join()


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
def live(tmp_path_factory: pytest.TempPathFactory, cli_bin: tuple[Path, str]) -> Iterator[Live]:
    scratch = tmp_path_factory.mktemp("readme")
    db = f"sqlite:///{scratch / 'b24crm.db'}"
    data = scratch / "b24crm-data"
    token = "readme-admin-token"
    with serve_process(db, data, "--admin-token", token) as printed:
        base = f"http://127.0.0.1:{printed['port']}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("B24CRM_")}
        env.update(
            PATH=os.pathsep.join([str(cli_bin[0]), str(Path(sys.executable).parent), env.get("PATH", "")]),
            B24CRM_DB=db,
            B24CRM_DATA_DIR=str(data),
            B24CRM_PORT=printed["port"],
            B24CRM_ADMIN_TOKEN=token,
        )
        env[SOCKET_VARIABLE] = cli_bin[1]
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
        command,
        cwd=live.workdir,
        env=live.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
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


def test_a_blocks_b24crm_answers_as_the_installed_command(live: Live, cli_bin: tuple[Path, str]) -> None:
    """The shim's output, exit code and error are the installed command's, in a pipe and on failure."""
    script = (
        "type -P b24crm\n"
        "b24crm portal list --json | head -n 1\n"
        "b24crm role assign --portal 1 --user 999 --role 1 || echo exit=$?\n"
        'echo "$(b24crm user list --portal 1 --json | wc -l) users"\n'
    )

    def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        command = ["bash", "-e", "-o", "pipefail", "-c", script]
        return subprocess.run(
            command, cwd=live.workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )

    installed = dict(live.env, PATH=live.env["PATH"].split(os.pathsep, 1)[1])
    shimmed, real = run(live.env), run(installed)
    assert shimmed.returncode == real.returncode == 0, (shimmed.stderr, real.stderr)
    which, _, out = shimmed.stdout.partition("\n")
    assert which == str(cli_bin[0] / "b24crm") and real.stdout.partition("\n")[0] != which
    assert out == real.stdout.partition("\n")[2] and '"domain"' in out and "exit=1" in out
    assert "no user 999 on portal 1" in shimmed.stderr and "no user 999 on portal 1" in real.stderr
