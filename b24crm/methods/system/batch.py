"""batch: up to 50 calls in one request, with ``$result[...]`` references between them.

Docs: settings/how-to-call-rest-api/batch.md. Each command is ``"method?query"``; the query is decoded like
a GET query string, then references to earlier answers are substituted into its values, then the call goes
through the same dispatcher as a top-level call. The answer always has all five sections; an empty one is
PHP's ``[]``.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from b24crm import errors
from b24crm.php.query import call_params, php_to_json
from b24crm.php.values import php_bool
from b24crm.results import plain
from b24crm.rpc.context import CallContext
from b24crm.rpc.offload import INLINE_PARSE_BYTES, parse_off_loop
from b24crm.rpc.registry import BASIC, Params, method
from b24crm.rpc.timeblock import time_block

log = logging.getLogger("b24crm.batch")

MAX_COMMANDS = 50
# The vendor's internal section names, which are also the names references use: $result[cmd][...],
# $next[cmd], $total[cmd], $time[cmd][...], $error[cmd][...] (case-insensitive).
SECTIONS = {
    "result": "result",
    "error": "result_error",
    "total": "result_total",
    "next": "result_next",
    "time": "result_time",
}
REFERENCE = re.compile(r"\$(result|next|total|time|error)(\S*)", re.IGNORECASE)
SEGMENT = re.compile(r"\[([^\]]+)\]")


class BatchParams(Params):
    cmd: Any = None
    halt: Any = None


def _walk(sections: dict[str, dict[str, Any]], section: str, path: str) -> Any:
    """Follow ``[a][b]...`` as far as it goes; the vendor stops at the deepest key that exists."""
    node: Any = sections[section.lower()]
    for key in SEGMENT.findall(path):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            break
    return node


def substitute(value: Any, sections: dict[str, dict[str, Any]]) -> Any:
    """Replace references in the values of a decoded command, as the vendor's ParseBatchQuery does: a value
    that is one reference becomes the value found, whatever its type; a reference inside a longer value is
    replaced only when the value found is a string or a number."""
    if isinstance(value, dict):
        return {k: substitute(v, sections) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, sections) for v in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    for match in REFERENCE.finditer(value):
        found = _walk(sections, match.group(1), match.group(2))
        if match.group(0) == value:
            return php_to_json(found)
        if isinstance(found, (str, int, float)) and not isinstance(found, bool):
            value = value.replace(
                match.group(0), _number_text(found) if not isinstance(found, str) else found
            )
    return value


def _number_text(value: int | float) -> str:
    """A number as PHP writes it into a string (``5``, ``1.5``)."""
    return repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))


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
    halt = php_bool(p.halt)
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    dispatcher = ctx.engine
    tz = ctx.portal.tz
    for position, (key, command) in enumerate(commands):
        try:
            if position >= MAX_COMMANDS:
                # The vendor runs the first 50 and answers every further command with this error.
                raise errors.ERROR_BATCH_LENGTH_EXCEEDED()
            if not isinstance(command, str):
                continue  # the vendor skips a command that is no string, silently, though it counts
            name, _, query = command.strip().partition("?")
            parsed = await parse_off_loop(len(query), partial(call_params, query))
            params = substitute(parsed, sections)
            params.pop("auth", None)
            outcome = await dispatcher.invoke(
                ctx.credential,
                name,
                params,
                https=ctx.https,
                in_batch=True,
                heavy=len(query) > INLINE_PARSE_BYTES,
            )
        except errors.ApiError as exc:
            sections["error"][key] = exc.body()
        except Exception:
            log.exception("internal error in batch command %s", key)
            sections["error"][key] = errors.INTERNAL_SERVER_ERROR().body()
        else:
            sections["result"][key] = plain(outcome.result)  # references look into it
            if outcome.total is not None:
                sections["total"][key] = outcome.total
            if outcome.next is not None:
                sections["next"][key] = outcome.next
            sections["time"][key] = time_block(outcome.start, outcome.finish, outcome.processing, tz)
            continue
        if halt:
            break
    # SECTIONS is in the answer's order: result, result_error, result_total, result_next, result_time.
    return {answer: _section(sections[name], as_list) for name, answer in SECTIONS.items()}
