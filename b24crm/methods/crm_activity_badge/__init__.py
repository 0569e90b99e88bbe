"""crm.activity.badge.*"""

from b24crm.methods.crm_activity_badge import handlers  # noqa: F401  (importing registers the methods)
