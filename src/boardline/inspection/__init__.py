"""inspection (core): content scanners for images, documents and confidential data -> findings."""
