"""Tests of the enforcement adapters."""
