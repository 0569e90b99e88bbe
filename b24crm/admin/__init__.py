"""The server-admin namespace ``/_b24crm/``: inspect and shape state from tests and tools."""
