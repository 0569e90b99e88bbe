"""event.* and events: binding handlers, testing them, and the offline-event queue."""

from b24crm.methods.event import handlers  # noqa: F401  (importing registers the methods)
