"""b24crm: a self-hostable server that speaks the Bitrix24 CRM REST API."""

__version__ = "0.1.0"
