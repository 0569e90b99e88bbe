"""Portals, users and credentials; the CallContext a method runs with."""
