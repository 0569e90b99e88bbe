"""Conventions of the vendor's newer (D7 engine) controllers: crm.item.*, crm.type.*, todo, binding.

A missing action argument is error ``100`` "Could not find value for parameter {name}"; camelCase
parameter names; native JSON types in answers.

Each action is declared with its arguments, in the order of the vendor's action signature (the order in
which a missing one is reported)::

    @d7_method("crm.type.get", args=(Arg("id", "mixed"),), doc=DOCS + "crm-type-get.md")
    def type_get(ctx: CallContext, a: Bound) -> dict[str, Any]: ...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from b24crm import errors
from b24crm.php.values import php_bool, php_int, php_str
from b24crm.rpc.registry import H, method

# --- the engine's argument binder (main/lib/engine/autowire/binder.php) ---------------------------------

_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_REQUIRED = object()


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (dict, list)):
        return "Array"
    return "" if value is None else str(value)


def _invalid(value: Any, name: str, kind: str) -> errors.ApiError:
    return errors.D7.PARAMETER_TYPE.format(shown=_shown(value), name=name, kind=kind)


@dataclass(frozen=True)
class Arg:
    """One action argument: its name, PHP type and default (``_REQUIRED`` when it has none)."""

    name: str
    # "int", "string", "array", "bool"; "scalar": a string or a number, kept as a string; "mixed": any
    # value, unchanged
    kind: str
    default: Any = _REQUIRED
    nullable: bool = False

    def _missing(self) -> Any:
        if self.default is _REQUIRED:
            raise errors.D7.PARAMETER_MISSING.format(name=self.name)
        return self.default

    def bind(self, given: dict[str, Any]) -> Any:
        key = self.name.lower()
        if self.kind == "mixed":
            # crm.item.* and crm.type.* take a JSON null as a value: only an absent name is missing.
            return given[key] if key in given else self._missing()
        value = given.get(key)
        if value is None:
            return self._missing()
        if self.kind == "int":
            if isinstance(value, bool) or not (
                isinstance(value, (int, float)) or (isinstance(value, str) and _NUMERIC.match(value))
            ):
                raise _invalid(value, self.name, "int")
            return php_int(value)
        if self.kind == "string":
            # A real string: a JSON number is refused, as PHP's strict binder does.
            if not isinstance(value, str):
                raise _invalid(value, self.name, "string")
            return value
        if self.kind == "scalar":
            if isinstance(value, (dict, list, bool)):
                raise _invalid(value, self.name, "string")
            return php_str(value)
        if self.kind == "array":
            if not isinstance(value, (dict, list)):
                raise _invalid(value, self.name, "array")
            return value
        if isinstance(value, (dict, list)):
            raise _invalid(value, self.name, "bool")
        return php_bool(value)


class Bound(dict[str, Any]):
    """The bound arguments by their names, also readable as attributes (``a.ownerId``); a dict, so that
    the domain rules that take the whole set (``crm/activity/todo.py``) get it as it is."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def bind(args: tuple[Arg, ...], given: dict[str, Any]) -> Bound:
    """The action's arguments from the call's parameters, checked in signature order as the binder does;
    the first failure is the answer (error 100)."""
    return Bound((arg.name, arg.bind(given)) for arg in args)


def d7_method(name: str, *, args: tuple[Arg, ...], doc: str, scope: str = "crm") -> Callable[[H], H]:
    """Declare a D7 controller action: its arguments in the action's signature order, bound before the
    handler runs; the handler takes ``(ctx, a: Bound)``."""
    return method(name, scope=scope, doc=doc, binder=partial(bind, args))
