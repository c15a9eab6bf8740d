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

#: Spacing of the packed keys of :data:`_VISITS`: ``who * 2**32 + site`` (fewer than
#: 2**31 people, 2**32 sites), ``source * 2**40 + line`` (lines and positions below
#: 2**40, sources below 2**23) and ``(2 - rank) * 2**40 + pos``; all fit a BIGINT.
_PAIR_STEP: Final = 2**32
_SEQ_STEP: Final = 2**40
_RANK_STEP: Final = 2**40

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

#: Visits in three steps, each over as little as it needs. The site is computed once
#: per distinct host; the hits that count (``top_level`` TRUE or NULL) are sessionised
#: as narrow rows of integers (row id; person and site numbered densely and packed
#: into one ``pair``; source number and line packed into one ``seq``; time; effect
#: rank), so the window passes sort two or three fixed-width keys rather than whole
#: outcome rows; a navigation is a visit of its own and needs no window at all. The
#: first pass sorts once by ``(ts, seq)`` within each pair for both the gap and the
#: hit's position ``pos``; the running count of visit starts then orders by that one
#: integer. Each visit keeps the row id of its representative hit (the first with the
#: worst effect): ``arg_min`` over one BIGINT, ``(2 - rank) * 2**40 + pos``, which
#: orders as ``(-rank, ts, source, line)`` does (sources are numbered in their sort
#: order; ``pos`` is far below 2**40) and compares much faster than a struct. Only
#: those rows are joined back to ``web_outcomes``. ``web_visits`` is a temporary table
#: of the connection: it is derived (a run recomputes it in seconds), and a temporary
#: table is written in memory (spilling past the limit) for about half the CPU of
#: writing into the run's database file; it holds a third of the rows of
#: ``web_outcomes`` at 10M lines, well inside the memory limit.
_VISITS = """
CREATE OR REPLACE TEMP TABLE web_visits AS
WITH sites AS (
    SELECT host, site, dense_rank() OVER (ORDER BY site) AS site_no
    FROM (SELECT host, boardline_site(host) AS site
          FROM (SELECT DISTINCT host FROM web_outcomes))
),
keyed AS (
    SELECT o.rowid AS rid, o.source, o.line, o.ts, o.top_level, o.effect, s.site_no,
           coalesce(o.person_id, 'user:' || o.username, 'client:' || o.client, 'unknown') AS who
    FROM web_outcomes AS o JOIN sites AS s ON s.host = o.host
    WHERE o.top_level IS NULL OR o.top_level
),
people AS (
    SELECT who, row_number() OVER () AS who_no FROM (SELECT DISTINCT who FROM keyed)
),
sources AS (
    SELECT source, dense_rank() OVER (ORDER BY source) AS source_no
    FROM (SELECT DISTINCT source FROM keyed)
),
hits AS (
    SELECT k.rid, k.top_level, k.ts, p.who_no * {pair_step} + k.site_no AS pair,
           r.source_no * {seq_step} + k.line AS seq,
           CASE k.effect WHEN 'deny' THEN 2 WHEN 'flag' THEN 1 ELSE 0 END AS effect_rank
    FROM keyed AS k JOIN people AS p USING (who) JOIN sources AS r USING (source)
),
gaps AS (
    SELECT rid, ts, pair, effect_rank, ts - lag(ts) OVER w AS gap, row_number() OVER w AS pos
    FROM hits
    WHERE top_level IS NULL
    WINDOW w AS (PARTITION BY pair ORDER BY ts, seq)
),
numbered AS (
    SELECT *, sum(CASE WHEN gap IS NULL OR gap > $window THEN 1 ELSE 0 END) OVER (
               PARTITION BY pair ORDER BY pos ROWS UNBOUNDED PRECEDING
           ) AS visit_no
    FROM gaps
),
sessions AS (
    SELECT pair, visit_no, count(*) AS hits, min(ts) AS started, max(ts) AS ended,
           arg_min(rid, (2 - effect_rank) * {rank_step} + pos) AS rid
    FROM numbered
    GROUP BY pair, visit_no
),
visits AS (
    SELECT rid, '{session}' AS visit_rule, hits, started, ended FROM sessions
    UNION ALL
    SELECT rid, '{navigation}', 1, ts, ts FROM hits WHERE top_level
)
SELECT o.*, coalesce(o.person_id, 'user:' || o.username, 'client:' || o.client, 'unknown') AS who,
       s.site, v.visit_rule, v.hits, v.started, v.ended
FROM visits AS v JOIN web_outcomes AS o ON o.rowid = v.rid JOIN sites AS s ON s.host = o.host
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
        _VISITS.format(
            session=SESSION,
            navigation=NAVIGATION,
            pair_step=_PAIR_STEP,
            seq_step=_SEQ_STEP,
            rank_step=_RANK_STEP,
        ),
        {"window": window_minutes * 60.0},
    )
    rows = con.execute(_PER_SOURCE).fetchall()
    return VisitSummary(
        window_minutes,
        SITE_RULE,
        tuple(SourceVisits(str(r[0]), *(int(v) for v in r[1:])) for r in rows),
    )
