"""crm.timeline.note.save / get / delete.

Docs: api-reference/crm/timeline/note/crm-timeline-note-*.md. A D7 controller: arguments bound in the
action's signature order (itemId, itemType, ownerTypeId, ownerId, text), error 100 for a missing one.
The official Python client sent the owner as ``entityTypeId`` / ``entityId`` up to b24pysdk 1.2.1 (1.3.2
sends ``ownerTypeId`` / ``ownerId``, as the controller takes them): the older names are taken when the
newer are absent, so that both releases work.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from b24crm.crm.timeline import notes
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, bind
from b24crm.rpc.registry import method

DOCS = "api-reference/crm/timeline/note/crm-timeline-note-"
ENTRY = (Arg("itemId", "int"), Arg("itemType", "int"), Arg("ownerTypeId", "int"), Arg("ownerId", "int"))
_ALIASES = (("ownertypeid", "entitytypeid"), ("ownerid", "entityid"))


def _bind(args: tuple[Arg, ...], given: dict[str, Any]) -> Bound:
    given = dict(given)
    for name, alias in _ALIASES:
        if given.get(name) is None and given.get(alias) is not None:
            given[name] = given[alias]
    return bind(args, given)


def _note_method(name: str, args: tuple[Arg, ...], doc: str) -> Any:
    return method(name, scope="crm", doc=doc, binder=partial(_bind, args))


@_note_method("crm.timeline.note.save", (*ENTRY, Arg("text", "string")), f"{DOCS}save.md")
def save(ctx: CallContext, a: Bound) -> bool:
    """Create or replace the note of a timeline record or activity."""
    return notes.save(ctx, a.itemId, a.itemType, (a.ownerTypeId, a.ownerId), a.text)


@_note_method("crm.timeline.note.get", ENTRY, f"{DOCS}get.md")
def get(ctx: CallContext, a: Bound) -> dict[str, Any]:
    """The note of a timeline record or activity."""
    return notes.get(ctx, a.itemId, a.itemType, (a.ownerTypeId, a.ownerId))


@_note_method("crm.timeline.note.delete", ENTRY, f"{DOCS}delete.md")
def delete(ctx: CallContext, a: Bound) -> bool:
    """Delete the note of a timeline record or activity."""
    return notes.delete(ctx, a.itemId, a.itemType, (a.ownerTypeId, a.ownerId))
