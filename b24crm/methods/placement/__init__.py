"""placement.*: where an application shows itself in the portal's interface."""

from b24crm.methods.placement import handlers  # noqa: F401  (importing registers the methods)
