"""crm.lead.*, crm.deal.*, crm.contact.*, crm.company.*: the classic entity methods."""

from b24crm.methods.crm_classic import handlers  # noqa: F401  (importing registers the methods)
