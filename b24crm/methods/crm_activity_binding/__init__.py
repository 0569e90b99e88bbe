"""crm.activity.binding.*: the CRM items an activity is bound to."""

from b24crm.methods.crm_activity_binding import handlers  # noqa: F401  (importing registers the methods)
