"""Events: the transactional outbox (and, with applications, their delivery)."""
