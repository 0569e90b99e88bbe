"""Conventions of the vendor's newer (D7 engine) controllers: crm.item.*, crm.type.*, todo, binding.

A missing action argument is error ``100`` "Could not find value for parameter {name}"; camelCase
parameter names; native JSON types in answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from b24crm import errors
from b24crm.php.values import php_bool, php_int, php_str
from b24crm.rpc.registry import Params, default_invalid, method


def missing_parameter(exc: ValidationError, model: type[BaseModel]) -> errors.ApiError:
    names = {(f.alias or name): name for name, f in model.model_fields.items()}
    for error in exc.errors():
        if error.get("type") == "missing":
            alias = str(error["loc"][0]) if error.get("loc") else ""
            return errors.ApiError("100", f"Could not find value for parameter {{{names.get(alias, alias)}}}")
    return default_invalid(exc, model)


def d7_method(name: str, params: type[Params], doc: str, *, scope: str = "crm") -> Any:
    """Declare a D7-style method: a missing argument answers error 100."""
    return method(name, scope=scope, params=params, invalid=missing_parameter, doc=doc)


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
    shown = _shown(value)
    return errors.ApiError(
        "100",
        f"Invalid value {{{shown}}} to match with parameter {{{name}}}. Should be value of type {kind}.",
    )


@dataclass(frozen=True)
class Arg:
    """One action argument: its name, PHP type and default (``_REQUIRED`` when it has none)."""

    name: str
    kind: str  # "int", "string", "array", "bool"; "scalar": a string or a number, kept as a string
    default: Any = _REQUIRED
    nullable: bool = False

    def bind(self, given: dict[str, Any]) -> Any:
        value = given.get(self.name.lower())
        if value is None:
            if self.default is _REQUIRED:
                raise errors.ApiError("100", f"Could not find value for parameter {{{self.name}}}")
            return self.default
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


def bind(args: tuple[Arg, ...], given: dict[str, Any]) -> dict[str, Any]:
    """The action's arguments from the call's parameters, checked in signature order as the binder does;
    the first failure is the answer (error 100)."""
    return {arg.name: arg.bind(given) for arg in args}
