"""crm.item.*: universal CRM items (leads, deals, contacts, companies, quotes, invoices, smart processes)."""

from b24crm.methods.crm_item import handlers  # noqa: F401  (importing registers the methods)
