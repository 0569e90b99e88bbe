"""Portals, users and credentials; the Caller every rule takes."""
