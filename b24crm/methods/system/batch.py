"""batch: up to 50 calls in one request, with ``$result[...]`` references between them.

Docs: settings/how-to-call-rest-api/batch.md. Each command is ``"method?query"``; the query is decoded like
a GET query string, then references to earlier answers are substituted into its values, then the call goes
through the same dispatcher as a top-level call. The answer always has all five sections; an empty one is
PHP's ``[]``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from b24crm import errors
from b24crm.http.params import fold_top_level
from b24crm.http.phpquery import parse_qs, php_to_json
from b24crm.rpc.context import CallContext
from b24crm.rpc.params import flag
from b24crm.rpc.registry import BASIC, Params, method
from b24crm.rpc.timeblock import time_block

log = logging.getLogger("b24crm.batch")

MAX_COMMANDS = 50
SECTIONS = ("result", "result_error", "result_total", "result_next", "result_time")

# $result[cmd][a][b], also against the other sections: $result_total[cmd], $result_next[cmd], ...
REFERENCE = re.compile(r"\$(result|result_error|result_total|result_next|result_time)((?:\[[^\[\]]*\])+)")


class BatchParams(Params):
    cmd: Any = None
    halt: Any = None


def _lookup(sections: dict[str, dict[str, Any]], section: str, path: str) -> tuple[bool, Any]:
    node: Any = sections[section]
    for key in re.findall(r"\[([^\[\]]*)\]", path):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False, None
    return True, node


def _as_text(value: Any) -> str:
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return str(value)


def substitute(value: Any, sections: dict[str, dict[str, Any]]) -> Any:
    """Replace references in every string of a decoded command; a reference that finds nothing stays."""
    if isinstance(value, dict):
        return {k: substitute(v, sections) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, sections) for v in value]
    if not isinstance(value, str) or "$result" not in value:
        return value
    whole = REFERENCE.fullmatch(value)
    if whole:
        found, target = _lookup(sections, whole.group(1), whole.group(2))
        # A value that is one reference takes the referenced value as it is, arrays included.
        return php_to_json(target) if found else value

    def replace(match: re.Match[str]) -> str:
        found, target = _lookup(sections, match.group(1), match.group(2))
        return _as_text(target) if found and not isinstance(target, (dict, list)) else match.group(0)

    return REFERENCE.sub(replace, value)


def _commands(cmd: Any) -> tuple[list[tuple[str, Any]], bool]:
    """(key, command) pairs in order, and whether the answer is keyed like a list."""
    if isinstance(cmd, list):
        return [(str(i), c) for i, c in enumerate(cmd)], True
    if isinstance(cmd, dict):
        return [(str(k), c) for k, c in cmd.items()], False
    return [], False


def _section(values: dict[str, Any], as_list: bool) -> Any:
    if not values:
        return []
    # PHP arrays: keys 0..n-1 in order encode as a JSON list, anything else as an object.
    return php_to_json(values) if as_list else values


@method(
    "batch",
    scope=BASIC,
    params=BatchParams,
    batchable=False,
    metered=False,
    doc="settings/how-to-call-rest-api/batch.md",
)
async def batch(ctx: CallContext, p: BatchParams) -> dict[str, Any]:
    """Run up to 50 calls in sequence, each able to reference the answers of those before it."""
    commands, as_list = _commands(p.cmd)
    if len(commands) > MAX_COMMANDS:
        raise errors.ERROR_BATCH_LENGTH_EXCEEDED()
    halt = flag(p.halt)
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    dispatcher = ctx.runtime.dispatcher
    tz = ctx.portal.tz
    for key, command in commands:
        name, _, query = (command if isinstance(command, str) else "").strip().partition("?")
        try:
            params = substitute(php_to_json(fold_top_level(parse_qs(query))), sections)
            params.pop("auth", None)
            outcome = await dispatcher.invoke(ctx.credential, name, params, https=ctx.https, in_batch=True)
        except errors.ApiError as exc:
            sections["result_error"][key] = exc.body()
        except Exception:
            log.exception("internal error in batch command %s", name)
            sections["result_error"][key] = errors.INTERNAL_SERVER_ERROR().body()
        else:
            sections["result"][key] = outcome.result
            if outcome.total is not None:
                sections["result_total"][key] = outcome.total
            if outcome.next is not None:
                sections["result_next"][key] = outcome.next
            sections["result_time"][key] = time_block(outcome.start, outcome.finish, outcome.processing, tz)
            continue
        if halt:
            break
    return {name: _section(values, as_list) for name, values in sections.items()}
