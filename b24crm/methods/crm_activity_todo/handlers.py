"""crm.activity.todo.add / update / updateColor / updateDeadline / updateDescription / updateResponsibleUser.

Docs: api-reference/crm/timeline/activities/todo/crm-activity-todo-*.md. D7 controller arguments, bound in
the action's signature order (a missing one is error 100); the answer is ``{"id": N}``.
"""

from __future__ import annotations

from b24crm.crm.activity import todo
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/activities/todo/crm-activity-todo-"
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
    """The single-value actions: the todo's owner and id, then the value they change."""
    return (*OWNER, Arg("id", "int"), value)


@d7_method("crm.activity.todo.add", args=ADD, doc=f"{DOCS}add.md")
def todo_add(ctx: CallContext, a: Bound) -> dict[str, int]:
    """Create a universal activity (todo) on a CRM item."""
    return todo.add(ctx, a)


@d7_method("crm.activity.todo.update", args=UPDATE, doc=f"{DOCS}update.md")
def todo_update(ctx: CallContext, a: Bound) -> dict[str, int]:
    """Change a todo: deadline, title, text, pings, colour."""
    return todo.update(ctx, a)


@d7_method("crm.activity.todo.updateColor", args=_one(Arg("colorId", "scalar")), doc=f"{DOCS}update-color.md")
def todo_update_color(ctx: CallContext, a: Bound) -> dict[str, int]:
    """Change a todo's colour."""
    return todo.update_color(ctx, a)


@d7_method(
    "crm.activity.todo.updateDeadline", args=_one(Arg("value", "string")), doc=f"{DOCS}update-deadline.md"
)
def todo_update_deadline(ctx: CallContext, a: Bound) -> dict[str, int]:
    """Move a todo's deadline."""
    return todo.update_deadline(ctx, a)


@d7_method(
    "crm.activity.todo.updateDescription",
    args=_one(Arg("value", "string")),
    doc=f"{DOCS}update-description.md",
)
def todo_update_description(ctx: CallContext, a: Bound) -> dict[str, int]:
    """Change a todo's description."""
    return todo.update_description(ctx, a)


@d7_method(
    "crm.activity.todo.updateResponsibleUser",
    args=_one(Arg("responsibleId", "int")),
    doc=f"{DOCS}update-responsible-user.md",
)
def todo_update_responsible(ctx: CallContext, a: Bound) -> dict[str, int]:
    """Hand a todo to another user."""
    return todo.update_responsible(ctx, a)
