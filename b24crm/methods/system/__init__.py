"""The platform's global methods: server.time, methods, method.get, scope, profile, app.info, batch."""

from b24crm.methods.system import batch, handlers  # noqa: F401  (importing registers the methods)
