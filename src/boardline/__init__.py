"""Boardline: a school board's policy on electronic resources and social networking, enforced.

The package is layered (see ``docs/architecture.md``): a pure core (``model``,
``policy``, ``engine``, ``directory``, ``schedule``, ``categories``) that imports
no framework, adapters around it, and entry points (``cli``, ``bootstrap``).
"""

__version__ = "0.1.0"
