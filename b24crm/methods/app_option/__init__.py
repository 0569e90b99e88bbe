"""app.option.* and user.option.*: an application's own settings and its users' (docs:
api-reference/common/settings/)."""

from b24crm.methods.app_option import handlers  # noqa: F401  (importing registers the methods)
