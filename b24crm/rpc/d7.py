"""Conventions of the vendor's newer (D7 engine) controllers: crm.item.*, crm.type.*, todo, binding.

A missing action argument is error ``100`` "Could not find value for parameter {name}"; camelCase
parameter names; native JSON types in answers.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from b24crm import errors
from b24crm.rpc.registry import default_invalid


def missing_parameter(exc: ValidationError, model: type[BaseModel]) -> errors.ApiError:
    names = {(f.alias or name): name for name, f in model.model_fields.items()}
    for error in exc.errors():
        if error.get("type") == "missing":
            alias = str(error["loc"][0]) if error.get("loc") else ""
            return errors.ApiError("100", f"Could not find value for parameter {{{names.get(alias, alias)}}}")
    return default_invalid(exc, model)
