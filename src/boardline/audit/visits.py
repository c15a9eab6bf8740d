"""Visits, not hits: what a person actually went to, from the outcomes of every request.

A page pulls in dozens of requests, and a news article with a "share" button
pulls in the social network's widget: counting hits would make a teacher who
read the local paper look like a heavy Facebook user. So the report counts
*visits*, one per thing a person chose to open, by one of two rules decided
per request:

``navigation``
    The log carries Sec-Fetch (``top_level`` is TRUE or FALSE): a visit is a
    top-level navigation. Sub-resources and embedded widgets (``top_level``
    FALSE) are hits and never visits, so a widget on another site cannot make
    anyone a violator.
``session``
    The log has no Sec-Fetch (``top_level`` is NULL), as for CONNECT tunnels,
    DNS and older log formats: the requests of one person to one *site* are
    collapsed into one visit until they pause for longer than the window
    (:data:`DEFAULT_WINDOW_MINUTES` of inactivity by default). A CONNECT tunnel
    counts like any other request, so a long HTTPS session is one visit.

A *site* is the host's registrable domain, approximated without the public
suffix list: the last two labels (``www.facebook.com`` -> ``facebook.com``),
or three under a two-letter country code whose second level is a generic one
(``news.bbc.co.uk`` -> ``bbc.co.uk``); an address stays whole. The *person* is
the directory id when the outcome identified one, else the proxy login, else
the client address.

A visit takes the worst effect among its hits (deny over flag over allow), and
its representative hit is the first hit with that effect: the one a finding
cites. :func:`count_visits` writes them to ``web_visits`` (the columns of
``web_outcomes`` plus ``who``, ``site``, ``visit_rule``, ``hits``, ``started``
and ``ended``) and says which rule counted what, per source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb

DEFAULT_WINDOW_MINUTES: Final = 30.0
NAVIGATION: Final = "navigation"
SESSION: Final = "session"
#: Second-level labels that, under a two-letter country code, belong to the suffix.
GENERIC_SECOND_LEVEL: Final = ("ac", "co", "com", "edu", "gov", "go", "ne", "net", "or", "org")
SITE_RULE: Final = (
    "registrable domain (last two labels; three under a country code's generic second "
    "level such as co.uk); addresses as they are"
)

_SITE_MACRO = """
CREATE OR REPLACE TEMP MACRO boardline_site(h) AS CASE
    WHEN regexp_matches(h, '^[0-9.]+$') OR contains(h, ':') THEN h
    WHEN len(string_split(h, '.')) <= 2 THEN h
    WHEN len(string_split(h, '.')[-1]) = 2
         AND list_contains({generic}, string_split(h, '.')[-2])
        THEN array_to_string(string_split(h, '.')[-3:], '.')
    ELSE array_to_string(string_split(h, '.')[-2:], '.')
END
"""

_VISITS = """
CREATE OR REPLACE TABLE web_visits AS
WITH base AS (
    SELECT o.*,
           coalesce(person_id, 'user:' || username, 'client:' || client, 'unknown') AS who,
           boardline_site(host) AS site,
           CASE effect WHEN 'deny' THEN 2 WHEN 'flag' THEN 1 ELSE 0 END AS effect_rank
    FROM web_outcomes AS o
),
gaps AS (
    SELECT *, ts - lag(ts) OVER (PARTITION BY who, site ORDER BY ts, source, line) AS gap
    FROM base
    WHERE top_level IS NULL
),
sessions AS (
    SELECT * EXCLUDE (gap), '{session}' AS visit_rule,
           sum(CASE WHEN gap IS NULL OR gap > $window THEN 1 ELSE 0 END) OVER (
               PARTITION BY who, site ORDER BY ts, source, line ROWS UNBOUNDED PRECEDING
           ) AS visit_no
    FROM gaps
),
navigations AS (
    SELECT *, '{navigation}' AS visit_rule,
           row_number() OVER (PARTITION BY who, site ORDER BY ts, source, line) AS visit_no
    FROM base
    WHERE top_level
),
hits AS (
    SELECT * FROM sessions
    UNION ALL BY NAME
    SELECT * FROM navigations
)
SELECT * EXCLUDE (visit_no, effect_rank),
       count(*) OVER visit AS hits,
       min(ts) OVER visit AS started,
       max(ts) OVER visit AS ended
FROM hits
WINDOW visit AS (PARTITION BY visit_rule, who, site, visit_no)
QUALIFY row_number() OVER (
    PARTITION BY visit_rule, who, site, visit_no ORDER BY effect_rank DESC, ts, source, line
) = 1
"""

_PER_SOURCE = """
WITH hits AS (
    SELECT source,
           count(*) AS hits,
           count(*) FILTER (WHERE top_level IS NOT NULL) AS navigation_hits,
           count(*) FILTER (WHERE top_level IS NULL) AS session_hits
    FROM web_outcomes GROUP BY source
), visits AS (
    SELECT source,
           count(*) AS visits,
           count(*) FILTER (WHERE effect <> 'allow') AS violating
    FROM web_visits GROUP BY source
)
SELECT h.source, h.hits, coalesce(v.visits, 0), coalesce(v.violating, 0),
       h.navigation_hits, h.session_hits
FROM hits AS h LEFT JOIN visits AS v USING (source)
ORDER BY h.source
"""


@dataclass(frozen=True, slots=True)
class SourceVisits:
    """One log file's hits and visits, and which rule counted them."""

    source: str
    hits: int
    visits: int
    violating_visits: int
    #: Hits whose log line carried Sec-Fetch (counted by the navigation rule).
    navigation_hits: int
    #: Hits without it (collapsed into sessions).
    session_hits: int

    @property
    def rule(self) -> str:
        """``navigation``, ``session`` or ``navigation + session`` (the log had both kinds)."""
        used = [
            name
            for name, count in ((NAVIGATION, self.navigation_hits), (SESSION, self.session_hits))
            if count
        ]
        return " + ".join(used) or "none"


@dataclass(frozen=True, slots=True)
class VisitSummary:
    """What :func:`count_visits` counted, in all and per source."""

    window_minutes: float
    site_rule: str
    sources: tuple[SourceVisits, ...]

    @property
    def hits(self) -> int:
        return sum(s.hits for s in self.sources)

    @property
    def visits(self) -> int:
        return sum(s.visits for s in self.sources)

    @property
    def violating_visits(self) -> int:
        return sum(s.violating_visits for s in self.sources)


def count_visits(
    con: duckdb.DuckDBPyConnection, *, window_minutes: float = DEFAULT_WINDOW_MINUTES
) -> VisitSummary:
    """Collapse ``web_outcomes`` into ``web_visits`` and count both, per source.

    ``window_minutes`` is the inactivity that ends a session (the session rule
    only); it must be positive. A visit that spans two sources (the log rotated
    mid-session) is attributed to the source of its representative hit.
    """
    if not window_minutes > 0:
        msg = f"the visit window must be positive, not {window_minutes} minutes"
        raise ValueError(msg)
    generic = "[" + ", ".join(f"'{label}'" for label in GENERIC_SECOND_LEVEL) + "]"
    con.execute(_SITE_MACRO.format(generic=generic))
    con.execute(
        _VISITS.format(session=SESSION, navigation=NAVIGATION),
        {"window": window_minutes * 60.0},
    )
    rows = con.execute(_PER_SOURCE).fetchall()
    return VisitSummary(
        window_minutes,
        SITE_RULE,
        tuple(SourceVisits(str(r[0]), *(int(v) for v in r[1:])) for r in rows),
    )
