"""Tests of the Squid adapter: protocol codec, helper loop, configuration."""
