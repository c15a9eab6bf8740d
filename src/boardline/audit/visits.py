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
cites. :func:`count_visits` writes one narrow row per visit to ``visit_rows``,
makes ``web_visits`` a view over them (the columns of ``web_outcomes`` plus
``who``, ``site``, ``visit_rule``, ``hits``, ``started`` and ``ended``) and says
which rule counted what, per source.

How: the hits that count are sorted once by person and site, then time and log
position, and :func:`boardline.audit.sessions.sessions` (compiled) walks the
sorted stream in batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from boardline.audit import schema

DEFAULT_WINDOW_MINUTES: Final = 30.0
NAVIGATION: Final = "navigation"
SESSION: Final = "session"
#: Second-level labels that, under a two-letter country code, belong to the suffix.
GENERIC_SECOND_LEVEL: Final = ("ac", "co", "com", "edu", "gov", "go", "ne", "net", "or", "org")
SITE_RULE: Final = (
    "registrable domain (last two labels; three under a country code's generic second "
    "level such as co.uk); addresses as they are"
)

#: Spacing of the packed keys of :data:`_HITS`: ``who * 2**32 + site`` (fewer than
#: 2**31 people, 2**32 sites) and ``source * 2**40 + line`` (lines below 2**40, sources
#: below 2**23); both fit a BIGINT.
_PAIR_STEP: Final = 2**32
_SEQ_STEP: Final = 2**40
#: Sorted hits handed to the sessioniser at a time.
_BATCH_ROWS: Final = 1 << 20

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

#: The sources numbered in their sort order (so ``seq`` orders as ``(source, line)``).
_SOURCES = """
CREATE OR REPLACE TABLE visit_sources AS
SELECT source, dense_rank() OVER (ORDER BY source) AS source_no
FROM (SELECT DISTINCT source FROM web_outcomes)
"""

#: The hits that count (``top_level`` TRUE or NULL) as narrow rows of numbers, sorted
#: by person and site, then time and log position: the site is computed once per
#: distinct host; person and site are numbered densely and packed into one ``pair``.
#: One sort, where the window-function formulation (gap, then a running count of
#: visit starts) sorted ten million rows twice; :mod:`~boardline.audit.sessions` walks it.
_HITS = """
WITH sites AS (
    SELECT host, dense_rank() OVER (ORDER BY site) AS site_no
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
)
SELECT p.who_no * {pair_step} + k.site_no AS pair, k.ts,
       CASE k.effect WHEN 'deny' THEN 2 WHEN 'flag' THEN 1 ELSE 0 END AS effect_rank,
       k.rid, k.top_level IS NOT NULL AS navigation, r.source_no
FROM keyed AS k JOIN people AS p USING (who) JOIN visit_sources AS r USING (source)
ORDER BY pair, k.ts, r.source_no * {seq_step} + k.line
"""

#: One row per visit: its representative hit (``rid``, a ``web_outcomes`` row id), the
#: source of that hit, the visit's worst effect (2 deny, 1 flag, 0 allow) and rule.
_VISIT_ROWS = """
CREATE OR REPLACE TABLE visit_rows (
    rid BIGINT, source_no BIGINT, effect_rank INTEGER, navigation BOOLEAN,
    hits BIGINT, started DOUBLE, ended DOUBLE
)
"""

#: ``web_visits``: every ``web_outcomes`` column of the representative hit, then who,
#: site, rule, hits and span. A view: the report and the findings read only the
#: violations (a few hundredths of the rows), so the full rows are joined on demand
#: instead of copied for every visit.
_VIEW = """
CREATE OR REPLACE TEMP VIEW web_visits AS
SELECT {outcome_columns},
       coalesce(o.person_id, 'user:' || o.username, 'client:' || o.client, 'unknown') AS who,
       boardline_site(o.host) AS site,
       CASE WHEN v.navigation THEN '{navigation}' ELSE '{session}' END AS visit_rule,
       v.hits, v.started, v.ended
FROM visit_rows AS v JOIN web_outcomes AS o ON o.rowid = v.rid
"""

_PER_SOURCE = """
WITH hits AS (
    SELECT source,
           count(*) AS hits,
           count(*) FILTER (WHERE top_level IS NOT NULL) AS navigation_hits,
           count(*) FILTER (WHERE top_level IS NULL) AS session_hits
    FROM web_outcomes GROUP BY source
), visits AS (
    SELECT s.source,
           count(*) AS visits,
           count(*) FILTER (WHERE v.effect_rank > 0) AS violating
    FROM visit_rows AS v JOIN visit_sources AS s USING (source_no) GROUP BY s.source
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


def _sessionise(con: duckdb.DuckDBPyConnection, window: float) -> None:
    """Stream the sorted hits through the compiled walk (:mod:`.sessions`) into ``visit_rows``.

    The sorted result streams from ``con`` (DuckDB spills the sort past its memory
    limit); the visits go in through a second connection to the same database, as
    a connection cannot run a statement while its own result is still streaming.
    """
    # The compiled walk is imported here: importing numba costs every command of the CLI
    # a seventh of a second, and only an audit needs it.
    from boardline.audit.sessions import sessions

    writer = con.cursor()
    state = np.zeros(6, np.int64)
    times = np.zeros(2, np.float64)
    query = _HITS.format(pair_step=_PAIR_STEP, seq_step=_SEQ_STEP)
    try:
        batches = iter(con.sql(query).to_arrow_reader(_BATCH_ROWS))
        batch = next(batches, None)
        while batch is not None:
            following = next(batches, None)
            pair, ts, rank, rid, navigation, source = (
                batch.column(i).to_numpy(zero_copy_only=False) for i in range(6)
            )
            numbers, spans = sessions(
                pair, ts, rank, rid, navigation, source, window, state, times, following is None
            )
            if len(numbers):
                writer.register(
                    "_bl_visits",
                    pa.table(
                        {
                            "rid": numbers[:, 0],
                            "source_no": numbers[:, 1],
                            "effect_rank": numbers[:, 2].astype(np.int32),
                            "navigation": numbers[:, 3] == 1,
                            "hits": numbers[:, 4],
                            "started": spans[:, 0],
                            "ended": spans[:, 1],
                        }
                    ),
                )
                writer.execute("INSERT INTO visit_rows SELECT * FROM _bl_visits")
                writer.unregister("_bl_visits")
            batch = following
    finally:
        writer.close()


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
    con.execute(_SOURCES)
    con.execute(_VISIT_ROWS)
    _sessionise(con, window_minutes * 60.0)
    columns = ", ".join(f"o.{c}" for c in schema.WEB_OUTCOME_COLUMNS)
    con.execute(_VIEW.format(outcome_columns=columns, session=SESSION, navigation=NAVIGATION))
    rows = con.execute(_PER_SOURCE).fetchall()
    return VisitSummary(
        window_minutes,
        SITE_RULE,
        tuple(SourceVisits(str(r[0]), *(int(v) for v in r[1:])) for r in rows),
    )
