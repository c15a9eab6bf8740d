"""schedule (core)."""
