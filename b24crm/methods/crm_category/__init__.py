"""crm.category.*: the pipelines of deals and smart processes."""

from b24crm.methods.crm_category import handlers  # noqa: F401  (importing registers the methods)
