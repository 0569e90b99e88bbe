"""The method registry, dispatch (auth → scope → validate → run → envelope) and batch."""
