"""directory (core)."""
