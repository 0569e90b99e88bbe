"""crm.timeline.layout.blocks.*: an application's content blocks on a timeline record."""

from b24crm.methods.crm_timeline_layout_blocks import handlers  # noqa: F401  (importing registers the methods)
