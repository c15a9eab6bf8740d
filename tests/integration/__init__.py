"""Integration tests against real servers on loopback (Squid, later PostgreSQL, Chromium)."""
