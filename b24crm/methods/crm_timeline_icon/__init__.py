"""crm.timeline.icon.* and crm.timeline.logo.*"""

from b24crm.methods.crm_timeline_icon import handlers  # noqa: F401  (importing registers the methods)
