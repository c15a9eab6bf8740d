"""Schema revisions, oldest first; each is written once and never edited after release."""
