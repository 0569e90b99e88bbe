"""crm.activity.badge.*: the kanban badges configurable activities name by ``badgeCode`` (the vendor's
``Controller\\Activity\\Badge``; reference: crm.md §6).

Badges are the portal's, addressed by code. CRM administrators add and delete them; anyone may read them.
A title or value is a non-empty text or a ``{language: text}`` map of installed languages; the vendor checks
title, value and type, and answers with the first problem it found (``RestManager`` keeps the first error).
"""

from __future__ import annotations

from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.layout.codes import LANGUAGES
from b24crm.store import badges as store

INSTALLED = frozenset(LANGUAGES)
TYPES = ("success", "failure", "warning", "primary", "secondary")

NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Badge not found for code `{code}`")
# Bare Errors of the vendor's main module: their code is 0.
UNKNOWN_LANGUAGE = errors.ErrorSpec("0", "Language `{language}` was not found")
WRONG_TRANSLATION = errors.ErrorSpec("0", "Wrong value of field `{field}` for language {language}")
WRONG_TYPE = errors.ErrorSpec("WRONG_TYPE_VALUE", "Wrong value of field `type`")
# Not published: the vendor's table refuses a second row with the code through its unique key.
CODE_TAKEN = errors.ErrorSpec("INVALID_ARG_VALUE", "Badge with this code already exists")


def _text_problems(value: Any, field: str) -> list[errors.ApiError]:
    if isinstance(value, str):
        return [] if value != "" else [errors.D7.ARGUMENT_REQUIRED.format(name=field)]
    if isinstance(value, list):  # a PHP array too, keyed 0, 1, ...
        value = dict(enumerate(value))
    if isinstance(value, dict):
        found = []
        for language, text in value.items():
            if language not in INSTALLED:
                found.append(UNKNOWN_LANGUAGE.format(language=language))
            if not isinstance(text, str) or text == "":
                found.append(WRONG_TRANSLATION.format(field=field, language=language))
        return found
    return [errors.D7.ARGUMENT_REQUIRED.format(name=field)]


def _require_admin(ctx: Caller) -> None:
    if not ctx.user.is_admin:  # the CRM administrator: a portal administrator here
        raise errors.D7.ACCESS_DENIED()


def add(ctx: Caller, code: str, title: Any, value: Any, kind: str) -> dict[str, Any]:
    _require_admin(ctx)
    problems = [
        *_text_problems(title, "title"),
        *_text_problems(value, "value"),
        *([] if kind in TYPES else [WRONG_TYPE()]),
    ]
    if problems:
        raise problems[0]
    with ctx.db.write() as conn:
        try:
            store.insert(conn, ctx.portal.id, code, title, value, kind, ctx.clock.now())
        except store.DuplicateBadge:
            raise CODE_TAKEN() from None
        return {"badge": store.find(conn, ctx.portal.id, code)}


def get(ctx: Caller, code: str) -> dict[str, Any]:
    with ctx.db.read() as conn:
        found = store.find(conn, ctx.portal.id, code)
    if found is None:
        raise NOT_FOUND.format(code=code)
    return {"badge": found}


def list_badges(ctx: Caller) -> list[dict[str, Any]]:
    with ctx.db.read() as conn:
        return store.all_badges(conn, ctx.portal.id)


def delete(ctx: Caller, code: str) -> bool:
    _require_admin(ctx)
    with ctx.db.write() as conn:
        if not store.delete(conn, ctx.portal.id, code):
            raise NOT_FOUND.format(code=code)
    return True


def exists(ctx: Caller, code: str) -> bool:
    with ctx.db.read() as conn:
        return store.exists(conn, ctx.portal.id, code)
