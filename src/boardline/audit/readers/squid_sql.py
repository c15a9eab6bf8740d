"""The Squid fast path: the reference parser's rules as one DuckDB query per chunk.

Parsing a line in Python costs a few microseconds; an audit of a ten-million-line
log must parse at well over a million lines a second to leave time for the policy.
So the line layer (:mod:`~boardline.audit.readers.lines`, the same one the Python
reader uses) hands whole chunks of clean lines to DuckDB as an Arrow string
column, and this query splits and checks them with RE2 and list functions on both
cores, writing ``web_events`` and ``read_errors`` rows directly.

Each string handed in is one line *with* its newline (the column shares the
file's bytes instead of copying every line); the query drops the newline where
it matters (the last field), so the rows are the reference parser's. The
patterns are the constants of :mod:`~boardline.audit.readers.squid`, so the two
paths cannot drift apart in what they accept, and ``test_squid_sql.py`` holds
them to identical rows and errors, including on generated garbage.

The query only *accepts*: it inserts the lines that are events and says how
many; when that is short of the chunk, the loader asks which numbers it took.
The few others (blank lines, Squid's ``error:`` entries, damage) go to the
reference parser, which says why in the same words whichever path read the
file; if it ever accepted a line the query refused, the loader inserts that
row too and counts it, so a divergence costs speed, never rows.

Lines that are not plain printable ASCII (UTF-8 text, control bytes, a CR before
the newline) and the unterminated last line never come here: the loader gives
them to the reference parser, so the rules about encodings, binary data and
truncation live in one place.
"""

from __future__ import annotations

from typing import Final

from boardline.audit.readers import squid


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _full(expr: str, pattern: str) -> str:
    return f"regexp_full_match({expr}, {_lit(pattern)})"


def _note(key: str) -> str:
    """The value of the first ``key=`` note (NULL for none, ``''`` or ``-``).

    ``notes`` is the line's notes with a space before each, so the first `` key=``
    in it starts the first note of that name, as the reference parser reads it.
    """
    at = f"strpos(notes, {_lit(' ' + key + '=')})"
    value = f"rtrim(split_part(substr(notes, {at} + {len(key) + 2}), ' ', 1), chr(10))"
    return (
        f"CASE WHEN notes IS NULL OR {at} = 0 THEN NULL ELSE nullif(nullif({value}, ''), '-') END"
    )


#: The shape of a line the query accepts: the reference grammar with single spaces
#: between fields (runs of spaces only after the timestamp, where Squid pads ``%6tr``)
#: and the newline at the end. Other lines are not lost: the reference parser reads
#: them. One DFA pass over the line; no capturing groups.
_FIELD_CHARS: Final = r"[^ \n]"
_HIER: Final = squid.RX_HIER.replace("[^ ]", _FIELD_CHARS)
_NOTE: Final = squid.RX_NOTE.replace("[^ ]", _FIELD_CHARS)
LINE_SHAPE: Final = (
    f"{squid.RX_TS} +{squid.RX_ELAPSED} {_FIELD_CHARS}+ {squid.RX_CODE} {squid.RX_BYTES}"
    f" {squid.RX_METHOD} {_FIELD_CHARS}+ {_FIELD_CHARS}+ {_HIER} {_FIELD_CHARS}+"
    f"(?: {_NOTE})*" + "\n"
)

#: A URL and a CONNECT target as :data:`squid.RX_URL` / :data:`squid.RX_CONNECT` read
#: them, anchored, with the same groups (host; path): one RE2 pass both checks the
#: target and cuts it, where a full match followed by string functions took two.
_URL_PARTS: Final = (
    "^" + squid.RX_URL.replace("[^/?#@ ]", r"[^/?#@ \n]").replace("[^ ]", _FIELD_CHARS) + "$"
)
_CONNECT_HOST: Final = "^" + squid.RX_CONNECT + "$"

#: Native and Boardline lines: ``chunk(line BIGINT, l VARCHAR)`` in, one row per event
#: line out, in ``web_events`` column order (parameter: the source). The later steps are
#: materialized CTEs computing from the previous step's columns only: DuckDB inlines
#: nested projections, and an expression used twice downstream would otherwise be
#: evaluated twice. The first (the split fields) is not: copying a list column per line
#: cost more than it saved (~10% of the query, measured on a 1M-line log). Fields come
#: from ``string_split`` once the line has the shape above (lambdas over lists cost
#: several times more), host and path from one
#: ``regexp_extract`` of the target (a target that does not match gives an empty
#: host, refused; Squid's ``error:`` pseudo-URLs are refused too, and the reference
#: parser skips them), notes from ``strpos``.
NATIVE_SELECT: Final = f"""
WITH s AS (
    SELECT line, string_split(regexp_replace(l, ' +', ' '), ' ') AS f
    FROM chunk
    WHERE {_full("l", LINE_SHAPE)}
), t AS MATERIALIZED (
    SELECT line, f[1] AS f1, f[3] AS f3, f[4] AS f4, f[5] AS f5, f[6] AS f6, f[8] AS f8,
        CASE WHEN len(f) > 10 THEN ' ' || array_to_string(f[11:], ' ') END AS notes,
        CASE WHEN f[6] = 'CONNECT'
                 THEN struct_pack(h := regexp_extract(f[7], {_lit(_CONNECT_HOST)}, 1), p := '')
             WHEN starts_with(f[7], 'error:') THEN struct_pack(h := '', p := '')
             ELSE regexp_extract(f[7], {_lit(_URL_PARTS)}, ['h', 'p']) END AS u
    FROM s
    WHERE CAST(f[1] AS DOUBLE) >= {squid.TS_MIN} AND CAST(f[1] AS DOUBLE) < {squid.TS_MAX}
), x AS MATERIALIZED (
    SELECT line, f1, f3, f4, f5, f6, f8, u.p AS raw_path,
        rtrim(trim(lower(u.h), '[]'), '.') AS host,
        {_note("sfd")} AS sfd,
        {_note("sfm")} AS sfm,
        {_note("decision_id")} AS note_id,
        regexp_replace(split_part({_note("ea")}, '%20', 1), '^decision=', '') AS ea_id
    FROM t
    WHERE u.h <> ''
)
SELECT $source AS source, line, CAST(f1 AS DOUBLE) AS ts, f3 AS client,
    nullif(f8, '-') AS username, f6 AS method, host,
    CASE WHEN f6 = 'CONNECT' THEN ''
         WHEN starts_with(raw_path, '/') THEN raw_path
         ELSE '/' || raw_path END AS path,
    nullif(CAST(right(f4, 3) AS INTEGER), 0) AS status,
    CAST(f5 AS BIGINT) AS bytes,
    CASE WHEN sfd IS NOT NULL THEN sfd = 'document' AND coalesce(sfm, 'navigate') = 'navigate'
         WHEN sfm IS NOT NULL AND sfm <> 'navigate' THEN FALSE END AS top_level,
    CASE WHEN note_id IS NOT NULL THEN note_id
         WHEN ea_id = '' OR contains(ea_id, '=') THEN NULL
         ELSE ea_id END AS decision_id,
    'squid' AS kind
FROM x
WHERE host <> ''
"""  # noqa: S608

#: :data:`NATIVE_SELECT` into ``web_events``; DuckDB answers with the rows inserted.
#: Almost every chunk is all events, so the count is all the loader needs; only when
#: it falls short does the loader ask :data:`NATIVE_LINES` which lines were taken
#: (``RETURNING line`` on every chunk cost more than the rare second pass).
NATIVE_INSERT: Final = "INSERT INTO web_events " + NATIVE_SELECT

#: The line numbers :data:`NATIVE_SELECT` accepts from ``chunk``.
NATIVE_LINES: Final = f"SELECT line FROM ({NATIVE_SELECT})"  # noqa: S608
