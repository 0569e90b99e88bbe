"""crm.status.*: the CRM reference lists (statuses, stages, sources, types)."""

from b24crm.methods.crm_status import handlers  # noqa: F401  (importing registers the methods)
