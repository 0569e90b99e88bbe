"""crm.activity.call.*: what the CRM reads of a call activity's processing."""

from b24crm.methods.crm_activity_call import handlers  # noqa: F401  (importing registers the methods)
