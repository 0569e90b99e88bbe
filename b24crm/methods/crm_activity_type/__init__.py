"""crm.activity.type.*"""

from b24crm.methods.crm_activity_type import handlers  # noqa: F401  (importing registers the methods)
