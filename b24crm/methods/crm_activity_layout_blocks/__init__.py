"""crm.activity.layout.blocks.*"""

from b24crm.methods.crm_activity_layout_blocks import handlers  # noqa: F401  (importing registers the methods)
