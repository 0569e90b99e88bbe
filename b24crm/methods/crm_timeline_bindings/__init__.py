"""crm.timeline.bindings.*: the CRM items a timeline record is bound to."""

from b24crm.methods.crm_timeline_bindings import handlers  # noqa: F401  (importing registers the methods)
