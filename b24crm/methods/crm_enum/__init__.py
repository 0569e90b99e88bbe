"""crm.enum.*: the CRM enumerations."""

from b24crm.methods.crm_enum import handlers  # noqa: F401  (importing registers the methods)
