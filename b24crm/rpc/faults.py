"""Faults on demand: a portal's rules that make matching REST calls fail the way integrations meet
failures, to try a client's handling of them.

A rule matches by method (a pattern: ``crm.deal.*``), credential (its key, as the limits' state shows it)
and HTTP form (``webhook`` or ``oauth``); its effect is a vendor error (``QUERY_LIMIT_EXCEEDED`` 503,
``OPERATION_TIME_LIMIT`` 429, ``expired_token`` 401, ``INTERNAL_SERVER_ERROR`` 500), a proxy's 502 HTML
page (``bad_gateway``), a connection closed without an answer (``drop``: the client sees a reset or a remote
protocol error), or added latency (``latency``, the call then runs). It fires on every matching
call, on the next ``times`` ones, or with a ``probability`` drawn from ``seed`` and the call's number among
the rule's matches: the same seed fails the same calls in the same order, whichever server process
answers them (the counters are in the database).

The rules are read once per resolved credential and kept with it, as the limits' plan is: a rule added,
changed or removed bumps the portal's credential generation, so every process reads them again at once.
A portal without rules costs a call one dictionary look-up.
"""

from __future__ import annotations

import asyncio
from fnmatch import fnmatchcase
from typing import Any

from starlette.concurrency import run_in_threadpool

from b24crm import errors
from b24crm.store import faults as store

ERRORS = {
    "QUERY_LIMIT_EXCEEDED": errors.QUERY_LIMIT_EXCEEDED,
    "OPERATION_TIME_LIMIT": errors.OPERATION_TIME_LIMIT,
    "expired_token": errors.EXPIRED_TOKEN,
    "INTERNAL_SERVER_ERROR": errors.INTERNAL_SERVER_ERROR,
}
EFFECTS = (*ERRORS, "bad_gateway", "drop", "latency")
FORMS = ("", "webhook", "oauth")
MAX_LATENCY_MS = 60_000
BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_KEPT = "b24crm_faults"


class Dropped(Exception):
    """A ``drop`` rule fired: the endpoint ends the connection without an answer."""


_NONE: tuple[dict[str, Any], ...] = ()


def rule_values(body: dict[str, Any]) -> dict[str, Any]:
    """A rule's columns from the admin API's or the CLI's input; ValueError names what is wrong."""
    effect = body.get("effect")
    if effect not in EFFECTS:
        raise ValueError(f"effect must be one of {', '.join(EFFECTS)}")
    method, credential, form = body.get("method") or "*", body.get("credential") or "", body.get("form") or ""
    if not isinstance(method, str) or not isinstance(credential, str) or form not in FORMS:
        raise ValueError("method and credential are strings; form is webhook or oauth")
    if "\x00" in method + credential:  # PostgreSQL's text refuses it: an error there, not a 400
        raise ValueError("method and credential cannot hold a NUL character")
    values: dict[str, Any] = {
        "effect": effect,
        "method": method.lower()[:255],
        "credential": credential[:128],
        "form": form,
    }
    values.update(store.firing_values(body, "latency_ms", MAX_LATENCY_MS))
    if effect == "latency" and not values["latency_ms"]:
        raise ValueError("a latency rule needs latency_ms")
    return values


class Faults:
    def __init__(self, db: Any) -> None:
        self.db = db

    @staticmethod
    def may_apply(credential: Any) -> bool:
        """False only when the credential's portal is known to have no rules: the test every call makes."""
        return credential.__dict__.get(_KEPT) is not _NONE

    def _read(self, portal_id: int) -> tuple[dict[str, Any], ...]:
        with self.db.read() as conn:
            return tuple(store.list_rules(conn, portal_id)) or _NONE

    async def apply(self, credential: Any, method: str, form: str) -> bytes | None:
        """Raise the vendor error of the first rule that fires (``Dropped`` for ``drop``), or sleep its
        latency; answers a proxy's page to send instead of the answer (``bad_gateway``), else None."""
        rules = credential.__dict__.get(_KEPT)
        if rules is None:  # read after the credential was resolved, so at least as new as it
            rules = credential.__dict__[_KEPT] = await run_in_threadpool(self._read, credential.portal.id)
        for rule in rules:
            if (
                (rule["form"] and rule["form"] != form)
                or (rule["credential"] and rule["credential"] != credential.key)
                or not fnmatchcase(method, rule["method"])
            ):
                continue
            if not await run_in_threadpool(self._fires, credential.portal.id, rule):
                continue
            effect = rule["effect"]
            if rule["latency_ms"]:
                await asyncio.sleep(rule["latency_ms"] / 1000)
            if effect in ERRORS:
                raise ERRORS[effect]()
            if effect == "bad_gateway":
                return BAD_GATEWAY
            if effect == "drop":
                raise Dropped
        return None

    def _fires(self, portal_id: int, rule: dict[str, Any]) -> bool:
        with self.db.write() as conn:
            return store.fires(conn, portal_id, rule)
