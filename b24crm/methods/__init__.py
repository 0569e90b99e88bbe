"""One package per method family; importing a family registers its methods. Every package in this folder
is a family: a new one is found without being listed anywhere (``b24crm scaffold`` lays one out)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from b24crm.rpc.registry import REGISTRY, Registry

FAMILIES = tuple(
    f"{__name__}.{module.name}"
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name)
    if module.ispkg
)


def load_methods() -> Registry:
    for family in FAMILIES:
        importlib.import_module(family)
    return REGISTRY
