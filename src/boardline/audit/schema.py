"""The tables an audit run passes between its stages, declared once.

An audit is a pipeline over one DuckDB database (or, at consortium scale, the same
tables as Parquet read by Spark):

1. the **readers** turn log files into ``web_events`` and ``comm_events`` rows and
   count what they could not read in ``read_errors`` (nothing silently vanishes);
2. **bulk evaluation** joins the events with the facts (people, networks, school
   hours, categories, grants) and runs the pack's rules compiled to SQL, giving one
   ``web_outcomes`` row per event;
3. the **report** aggregates outcomes (visits, not hits) and the findings store keeps
   the violations with their citations.

Every stage reads and writes these shapes and nothing else, so each can be tested
alone and the engines (DuckDB, Spark) stay interchangeable. Column types are
DuckDB's; Spark reads the same columns from Parquet.
"""

from __future__ import annotations

import re
from typing import Final

#: One web request (Squid access log, Boardline decision log) or DNS lookup.
#: ``source`` is the file as given on the command line and ``line`` its 1-based line,
#: so every finding can be traced back to the exact log line.
WEB_EVENTS: Final = """
CREATE TABLE IF NOT EXISTS web_events (
    source      VARCHAR NOT NULL,   -- log file as given
    line        BIGINT  NOT NULL,   -- 1-based line number in that file
    ts          DOUBLE  NOT NULL,   -- epoch seconds, UTC
    client      VARCHAR,            -- client address; NULL when the log has none
    username    VARCHAR,            -- proxy login; NULL for '-' or absent
    method      VARCHAR NOT NULL,   -- GET, POST, CONNECT, ...; 'DNS' for a DNS query
    host        VARCHAR NOT NULL,   -- lower case, no port, no trailing dot
    path        VARCHAR NOT NULL,   -- path and query; '' for CONNECT and DNS
    status      INTEGER,            -- HTTP status; NULL when unknown
    bytes       BIGINT,             -- reply size; NULL when unknown
    top_level   BOOLEAN,            -- Sec-Fetch says navigation (TRUE) or not; NULL unknown
    decision_id VARCHAR,            -- the live helper's decision id (log= note), if logged
    kind        VARCHAR NOT NULL    -- 'squid', 'dns' or 'decision_log'
)
"""

#: One staff-student message from a mail platform's trace export, already mapped to
#: directory people with the roster (addresses nobody in the roster owns are dropped
#: and counted by the reader, never guessed).
COMM_EVENTS: Final = """
CREATE TABLE IF NOT EXISTS comm_events (
    source      VARCHAR NOT NULL,
    line        BIGINT  NOT NULL,
    ts          DOUBLE  NOT NULL,
    staff       VARCHAR NOT NULL,   -- directory id of the staff member
    student     VARCHAR NOT NULL,   -- directory id of the student
    channel     VARCHAR NOT NULL,   -- boardline.policy.pack.Channel value
    direction   VARCHAR NOT NULL,   -- boardline.model.events.Direction value
    audience    VARCHAR NOT NULL,   -- boardline.policy.pack.Audience value
    purpose     VARCHAR NOT NULL,   -- boardline.model.events.Purpose value
    district_controlled BOOLEAN,    -- NULL: decide from the channel
    message_ref VARCHAR             -- platform message id, for tracing (no content)
)
"""

#: Lines a reader could not use. ``sample`` is the first 200 characters with
#: non-printable bytes escaped; the report shows counts per kind and a few samples.
READ_ERRORS: Final = """
CREATE TABLE IF NOT EXISTS read_errors (
    source      VARCHAR NOT NULL,
    line        BIGINT  NOT NULL,
    reason      VARCHAR NOT NULL,   -- short, stable: 'malformed', 'truncated', 'binary', ...
    detail      VARCHAR NOT NULL,   -- which field and why, for people
    sample      VARCHAR NOT NULL
)
"""

#: One decision per web event, made by the pack's rules compiled to SQL. Enough to
#: rebuild the engine's full :class:`~boardline.model.decision.Decision` (citations
#: come from the compiled pack by ``rule``) and to aggregate without re-reading logs.
WEB_OUTCOMES: Final = """
CREATE TABLE IF NOT EXISTS web_outcomes (
    source         VARCHAR NOT NULL,
    line           BIGINT  NOT NULL,
    ts             DOUBLE  NOT NULL,
    client         VARCHAR,
    username       VARCHAR,
    method         VARCHAR NOT NULL,
    host           VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,
    top_level      BOOLEAN,
    person_id      VARCHAR,            -- NULL: nobody identified
    role           VARCHAR,
    building       VARCHAR,            -- the building whose hours applied (or NULL)
    effect         VARCHAR NOT NULL,   -- 'allow', 'flag' or 'deny'
    rule           VARCHAR NOT NULL,   -- pack rule id, or the default rule's id
    severity       VARCHAR NOT NULL,
    branch         VARCHAR NOT NULL,   -- which path of the rule decided (see bulk module)
    categories     VARCHAR[] NOT NULL, -- the categories the rule matched, sorted
    in_hours       BOOLEAN,            -- school hours at ``building`` (NULL: not asked)
    district_equipment BOOLEAN,
    exception_kind VARCHAR,            -- 'grant' or 'emergency' when one allowed it
    exception_id   VARCHAR,
    revision       VARCHAR NOT NULL    -- the pack revision the decision rests on
)
"""

#: One engine decision per communication event (volumes are small: the engine decides
#: them in Python, see :func:`boardline.audit.bulk.evaluate_comm`). The student is kept
#: as the directory id only; explanations never name the student.
COMM_OUTCOMES: Final = """
CREATE TABLE IF NOT EXISTS comm_outcomes (
    source      VARCHAR NOT NULL,
    line        BIGINT  NOT NULL,
    ts          DOUBLE  NOT NULL,
    staff       VARCHAR NOT NULL,
    student     VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL,
    direction   VARCHAR NOT NULL,
    audience    VARCHAR NOT NULL,
    purpose     VARCHAR NOT NULL,
    person_id   VARCHAR,            -- the staff member's directory id; NULL: not found
    effect      VARCHAR NOT NULL,   -- 'allow', 'flag' or 'deny'
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    clauses     VARCHAR[] NOT NULL, -- 'policy clause' of each citation, in citation order
    follow_up   VARCHAR[] NOT NULL,
    explanation VARCHAR NOT NULL,
    decision_id VARCHAR NOT NULL,
    revision    VARCHAR NOT NULL
)
"""

ALL: Final = (WEB_EVENTS, COMM_EVENTS, READ_ERRORS, WEB_OUTCOMES, COMM_OUTCOMES)


_COLUMN = re.compile(r"^[ \t]+(\w+)[ \t]+[A-Z]", re.MULTILINE)


def columns(ddl: str) -> tuple[str, ...]:
    """A table's column names in order, read from its ``CREATE TABLE`` above.

    Stages that insert or select by position use these, so a column added to a
    table here reaches every stage without another list to keep in step.
    """
    return tuple(_COLUMN.findall(ddl))


WEB_EVENT_COLUMNS: Final = columns(WEB_EVENTS)
COMM_EVENT_COLUMNS: Final = columns(COMM_EVENTS)
READ_ERROR_COLUMNS: Final = columns(READ_ERRORS)
WEB_OUTCOME_COLUMNS: Final = columns(WEB_OUTCOMES)
COMM_OUTCOME_COLUMNS: Final = columns(COMM_OUTCOMES)
