"""Domain categories (core): which categories a host or URL belongs to.

Policy 5460 forbids staff "accessing social networking websites ... during school
hours"; this package answers "is this request to a social networking website?"
from lists of domains and URLs — Boardline's own catalogue
(:mod:`~boardline.categories.catalogue`), UT1-format folders
(:mod:`~boardline.categories.ut1`) — and the district's overrides.

* :mod:`~boardline.categories.matching` — the matching rules, in its docstring;
* :mod:`~boardline.categories.index` — :class:`CategoryIndex`, the hot-path lookup;
* :mod:`~boardline.categories.table` — the compact hash table under it (memory,
  exactness and false-positive bound are documented there);
* :mod:`~boardline.categories.overrides` — how district overrides combine.

Typical use::

    builder = builtin_catalogue().index()
    load_ut1(Path("/srv/ut1"), ["social_networks"], builder=builder)
    index = builder.build().with_overrides(pack.category_overrides)
    index.lookup("www.instagram.com")           # frozenset({"social_networks"})
"""

from boardline.categories.catalogue import Catalogue, Service, builtin_catalogue
from boardline.categories.index import (
    CategoryIndex,
    CategoryIndexBuilder,
    CategoryMatch,
    IndexStats,
    RemovedMatch,
)
from boardline.categories.matching import host_key, split_target
from boardline.categories.ut1 import Ut1Category, Ut1Import, load_ut1

__all__ = [
    "Catalogue",
    "CategoryIndex",
    "CategoryIndexBuilder",
    "CategoryMatch",
    "IndexStats",
    "RemovedMatch",
    "Service",
    "Ut1Category",
    "Ut1Import",
    "builtin_catalogue",
    "host_key",
    "load_ut1",
    "split_target",
]
