"""The shape of an answer compared with the shape of a docs example (keys and JSON types, no values)."""

from __future__ import annotations

from typing import Any

from tests.docs.extract import shape


def differences(documented: Any, answered: Any, path: str = "result") -> list[str]:
    """What differs between a documented shape and an answer: missing and extra keys, other types.

    An example's ``null`` or an answer's ``null`` stands for any value (emptiness is data, not shape);
    objects keyed by ids (all keys digits) are compared value by value against the example's first.
    """
    ours = shape(answered)
    return _diff(documented, ours, path)


def _diff(doc: Any, ours: Any, path: str) -> list[str]:
    if doc == "null" or ours == "null":
        return []
    if isinstance(doc, dict) and isinstance(ours, dict):
        if doc and all(k.isdigit() for k in doc) and (not ours or all(k.isdigit() for k in ours)):
            first = next(iter(doc.values()))
            return [d for k, v in ours.items() for d in _diff(first, v, f"{path}.{k}")][:1]
        found = [f"{path}.{k}: missing" for k in doc if k not in ours]
        found += [f"{path}.{k}: not documented" for k in ours if k not in doc]
        for k in doc:
            if k in ours:
                found += _diff(doc[k], ours[k], f"{path}.{k}")
        return found
    if isinstance(doc, list) and isinstance(ours, list):
        if not doc or not ours:
            return []
        return _diff(doc[0], ours[0], f"{path}[0]")
    if isinstance(doc, dict) and ours == [] and not doc:
        return []
    if _kind(doc) != _kind(ours):
        return [f"{path}: {_kind(ours)}, documented {_kind(doc)}"]
    return []


def _kind(shape_: Any) -> str:
    if isinstance(shape_, dict):
        return "object"
    return "array" if isinstance(shape_, list) else str(shape_)
