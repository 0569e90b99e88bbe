"""Conventions of the vendor's newer (D7 engine) controllers: crm.item.*, crm.type.*, todo, binding.

A missing action argument is error ``100`` "Could not find value for parameter {name}"; camelCase
parameter names; native JSON types in answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from b24crm import errors
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
