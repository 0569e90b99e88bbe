"""crm.timeline.note.*: notes on timeline records and activities."""

from b24crm.methods.crm_timeline_note import handlers  # noqa: F401  (importing registers the methods)
