"""The policy book: policies as versioned, citable data, the pack format and the text importer."""
