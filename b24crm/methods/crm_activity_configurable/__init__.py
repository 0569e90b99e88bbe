"""crm.activity.configurable.*"""

from b24crm.methods.crm_activity_configurable import handlers  # noqa: F401  (importing registers the methods)
