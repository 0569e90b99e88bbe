"""crm.activity.todo.add / update / updateColor / updateDeadline / updateDescription / updateResponsibleUser.

Docs: api-reference/crm/timeline/activities/todo/crm-activity-todo-*.md. D7 controller arguments, bound in
the action's signature order (a missing one is error 100); the answer is ``{"id": N}``.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm.activity import todo
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, bind
from b24crm.rpc.registry import Params, method

DOCS = "api-reference/crm/timeline/activities/todo/"
OWNER = (Arg("ownerTypeId", "int"), Arg("ownerId", "int"))
CONTENT = (
    Arg("title", "string", ""),
    Arg("description", "string", ""),
    Arg("responsibleId", "int", None),
    Arg("parentActivityId", "int", None),
    Arg("fileTokens", "array", []),
    Arg("settings", "array", []),
    Arg("pingOffsets", "array", []),
    Arg("colorId", "scalar", None),
)
ADD = (*OWNER, Arg("deadline", "string"), *CONTENT, Arg("isCopy", "bool", False))
UPDATE = (*OWNER, Arg("deadline", "string"), Arg("id", "int", None), *CONTENT)


def _one(value: Arg) -> tuple[Arg, ...]:
    return (*OWNER, Arg("id", "int"), value)


def _declare(name: str, args: tuple[Arg, ...], run: Any, summary: str, page: str) -> None:
    def handler(ctx: CallContext, p: Params) -> dict[str, int]:
        return run(ctx, bind(args, p.model_extra or {}))  # type: ignore[no-any-return]

    handler.__doc__ = summary
    method(name, scope="crm", doc=f"{DOCS}{page}", params=Params)(handler)


for _name, _args, _run, _summary, _page in (
    ("crm.activity.todo.add", ADD, todo.add, "Create a universal activity (todo) on a CRM item.", "add"),
    (
        "crm.activity.todo.update",
        UPDATE,
        todo.update,
        "Change a todo: deadline, title, text, pings, colour.",
        "update",
    ),
    (
        "crm.activity.todo.updateColor",
        _one(Arg("colorId", "scalar")),
        todo.update_color,
        "Change a todo's colour.",
        "update-color",
    ),
    (
        "crm.activity.todo.updateDeadline",
        _one(Arg("value", "string")),
        todo.update_deadline,
        "Move a todo's deadline.",
        "update-deadline",
    ),
    (
        "crm.activity.todo.updateDescription",
        _one(Arg("value", "string")),
        todo.update_description,
        "Change a todo's description.",
        "update-description",
    ),
    (
        "crm.activity.todo.updateResponsibleUser",
        _one(Arg("responsibleId", "int")),
        todo.update_responsible,
        "Hand a todo to another user.",
        "update-responsible-user",
    ),
):
    _declare(_name, _args, _run, _summary, f"crm-activity-todo-{_page}.md")
