"""The ``boardline`` command."""
