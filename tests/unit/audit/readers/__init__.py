"""Tests of the audit's log readers."""
