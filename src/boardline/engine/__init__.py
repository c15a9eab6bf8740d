"""engine (core)."""
