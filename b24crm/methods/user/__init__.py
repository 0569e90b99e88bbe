"""user.current and a minimal user.get."""

from b24crm.methods.user import handlers  # noqa: F401  (importing registers the methods)
