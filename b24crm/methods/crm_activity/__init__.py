"""crm.activity.*: system activities (calls, meetings, e-mails, provider activities)."""

from b24crm.methods.crm_activity import handlers  # noqa: F401  (importing registers the methods)
