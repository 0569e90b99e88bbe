"""crm.timeline.logmessage.*: applications' log entries on a CRM item's timeline."""

from b24crm.methods.crm_timeline_logmessage import handlers  # noqa: F401  (importing registers the methods)
