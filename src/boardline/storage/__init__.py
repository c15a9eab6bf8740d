"""Storage adapters: where exceptions, decisions and findings persist (embedded default first)."""
