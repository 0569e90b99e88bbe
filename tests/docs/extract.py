"""Extract the facts of the vendor's docs pages into tests/docs/examples.json.

For every method in the registry, its docs page (the registry's ``doc``) is read from a checkout of the
vendor's public REST docs repository and reduced to facts, never its text:

- ``requests``: each cURL example's method and parameters (the JSON body; shell substitutions such as
  ``$(date ...)`` become a fixed ISO date, ``auth`` is dropped);
- ``response``: the shape of the first answer under the page's response section: for an object its keys
  with their shapes, for a list the shape of its first element, for a scalar its JSON type;
- ``errors``: the rows of the page's table of error codes: the code (``""`` for the docs' "empty value")
  and the answered message where the table gives one.

Run: ``.venv/bin/python -m tests.docs.extract /path/to/b24restdocs`` (a git directory or work tree; the
HEAD revision is read). The tests read only the JSON, so the suite never needs the checkout.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("examples.json")
HTTP_STATUSES = ("400", "401", "403", "404", "500")
SHELL_DATE = "2025-01-15T10:00:00+00:00"


def shape(value: Any) -> Any:
    """The keys and JSON types of a value, without the value."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def _curl_bodies(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(method, params) of each cURL example, the webhook ones when the page has both kinds."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {"Webhook": [], "OAuth": []}
    for kind, block in re.findall(r"- cURL \((Webhook|OAuth)\)\s*\n\s*```bash\n(.*?)```", text, re.S):
        block = re.sub(r"'\"\$\([^)]*\)\"'", SHELL_DATE, block)
        body = re.search(r"-d '(.*?)'(?=\s)", block, re.S)
        url = re.search(r"https://\S*/rest/(?:\S*/)?([a-zA-Z0-9_.]+)\s*$", block.strip())
        if not url:
            continue
        params: dict[str, Any] = {}
        if body:
            try:
                params = json.loads(body.group(1))
            except json.JSONDecodeError:
                continue
        params.pop("auth", None)
        found[kind].append((url.group(1), params))
    return found["Webhook"] or found["OAuth"]


def _balanced(text: str, start: int) -> str | None:
    """The ``{...}`` opening at ``start``, braces inside strings counted too (the examples have none)."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    return None


def _js_literal(literal: str) -> Any:
    """A JavaScript object literal of constants as JSON; None when it holds anything else."""
    text = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(m.group(1)), literal)
    text = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _sdk_calls(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(method, params) of the JS SDK examples (``call.make({method, params})``), for pages without cURL."""
    found = []
    for match in re.finditer(r"call\.make(?:<[^>]*>)?\(\{\s*method:\s*'([\w.]+)'\s*,?", text):
        rest = text[match.end() : match.end() + 4000]
        params: Any = {}
        given = re.match(r"\s*params:\s*", rest)
        if given:
            literal = _balanced(rest, given.end())
            params = _js_literal(literal) if literal else None
        if isinstance(params, dict) and (match.group(1), params) not in found:
            found.append((match.group(1), params))
    return found


def _response(text: str) -> Any:
    section = re.search(r"^## Response [Hh]andling\s*$(.*?)(?=^## )", text, re.S | re.M)
    if not section:
        return None
    block = re.search(r"```json\n(.*?)```", section.group(1), re.S)
    if not block:
        return None
    try:
        answer = json.loads(block.group(1))
    except json.JSONDecodeError:
        return None
    if not isinstance(answer, dict) or "result" not in answer:
        return None
    return shape(answer["result"])


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().removeprefix("||").removesuffix("||").split("|")]


def _plain(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("`", "").replace("**", "")).strip().rstrip(".")


def _errors(text: str) -> list[dict[str, Any]]:
    section = re.search(r"^###? Possible [Ee]rror [Cc]odes\s*$(.*?)^\|#", text, re.S | re.M)
    if not section:
        return []
    chunks = (r.strip().removeprefix("#|").strip() for r in re.split(r"\|\|\s*\n", section.group(1)))
    rows = [r for r in chunks if r.startswith("||")]
    if not rows:
        return []
    header = [_plain(c).lower() for c in _cells(rows[0] + "||")]
    code_at = next((i for i, c in enumerate(header) if c == "code"), 0)
    message_at = next((i for i, c in enumerate(header) if c in ("description", "message")), code_at + 1)
    status_at = next((i for i, c in enumerate(header) if c in ("status", "http status")), None)
    errors = []
    for row in rows[1:]:
        cells = _cells(row + "||")
        if len(cells) <= max(code_at, message_at):
            continue
        # A cell may list several codes as bullets: one entry each.
        bullets = re.findall(r"^\s*- (.+)$", cells[code_at], re.M) or [cells[code_at]]
        for cell in bullets:
            code = _plain(cell)
            code = "" if code.lower() in ("empty value", "empty string", "-", "—") else code
            entry: dict[str, Any] = {"code": code, "message": _plain(cells[message_at])}
            if status_at is not None and status_at < len(cells):
                entry["status"] = _plain(cells[status_at])
            elif code in HTTP_STATUSES:  # a table whose "Code" column holds the status
                entry = {"code": "", "message": entry["message"], "status": code}
            errors.append(entry)
    return errors


def extract(repo: str) -> dict[str, Any]:
    from b24crm.methods import load_methods

    git = ["git", "-C", repo, "show"]
    pages: dict[str, Any] = {}
    for spec in load_methods():
        if not spec.doc:
            continue
        path = spec.doc
        shown = subprocess.run([*git, f"HEAD:{path}"], capture_output=True, text=True)
        if shown.returncode:
            pages[spec.name] = {"page": path, "missing": True}
            continue
        text = shown.stdout
        pages[spec.name] = {
            "page": path,
            "requests": [{"method": m, "params": p} for m, p in _curl_bodies(text) or _sdk_calls(text)],
            "response": _response(text),
            "errors": _errors(text),
        }
    head = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True)
    return {"source": "bitrix24/b24restdocs", "commit": head.stdout.strip(), "methods": pages}


if __name__ == "__main__":
    facts = extract(sys.argv[1])
    OUT.write_text(json.dumps(facts, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(facts['methods'])} pages -> {OUT}")
