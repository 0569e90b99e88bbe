"""CRM domain services shared by the CRM method families: entity types, permissions, items."""
