"""One package per method family; importing a family registers its methods."""

from __future__ import annotations

import importlib

from b24crm.rpc.registry import REGISTRY, Registry

FAMILIES = (
    "b24crm.methods.system",
    "b24crm.methods.user",
    "b24crm.methods.crm_enum",
    "b24crm.methods.crm_item",
    "b24crm.methods.crm_type",
    "b24crm.methods.crm_classic",
    "b24crm.methods.crm_activity",
    "b24crm.methods.crm_activity_todo",
    "b24crm.methods.crm_activity_binding",
    "b24crm.methods.event",
    "b24crm.methods.placement",
)


def load_methods() -> Registry:
    for family in FAMILIES:
        importlib.import_module(family)
    return REGISTRY
