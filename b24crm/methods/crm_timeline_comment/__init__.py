"""crm.timeline.comment.*: users' comments on a CRM item's timeline."""

from b24crm.methods.crm_timeline_comment import handlers  # noqa: F401  (importing registers the methods)
