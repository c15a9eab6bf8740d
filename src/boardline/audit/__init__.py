"""Audit: policy 5460 evaluated over logs in bulk (DuckDB; Spark at consortium scale)."""
