"""crm.activity.todo.*: universal activities."""

from b24crm.methods.crm_activity_todo import handlers  # noqa: F401  (importing registers the methods)
