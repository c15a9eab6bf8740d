"""categories (core)."""
