"""crm.type.*: smart processes."""

from b24crm.methods.crm_type import handlers  # noqa: F401  (importing registers the methods)
