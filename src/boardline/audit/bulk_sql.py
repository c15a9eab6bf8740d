"""The pack's web-access rules compiled to one SQL query (DuckDB dialect; Spark by sqlglot).

The query reads ``web_events`` and the ``fact_*`` tables of
:mod:`boardline.audit.facts_tables` and yields one ``web_outcomes`` row per
event. It follows the engine's combining order
(:mod:`boardline.engine.evaluate`) step by step, and ``branch`` names the step
that decided:

==================  ==================================================================
``no_identity``     nobody identified: the default rule's ``unknown_subject_effect``
``not_covered``     a person no school-hours rule covers: ``not_covered_effect``
``not_category``    covered, but the site is in none of the rules' categories: allow,
                    citing the first rule that covers the person
``outside_hours``   outside school hours: the rule's reading for district or personal
                    equipment
``grant``           in school hours, an administrator grant allows it
``emergency``       in school hours, an emergency allows it
``in_hours``        in school hours, nothing allows it: the rule's effect
==================  ==================================================================

Per school-hours rule there is one block of CTEs (``c<n>`` candidates, ``g<n>``
grants, ``x<n>`` emergencies, ``d<n>`` the rule's decision) and one stage
``s<n>`` that keeps the stronger decision (deny over flag over allow; the
earlier rule on a tie), as the engine's loop does. Only portable SQL is used
(joins, ``CASE``, ``row_number()``), arithmetic is kept in ``DOUBLE`` (Spark
would turn ``1000000.0`` into a decimal), and the rules' constants are inlined,
so the same text runs on DuckDB and, transpiled, on Spark.
"""

from __future__ import annotations

from collections.abc import Iterable

from boardline.audit import schema
from boardline.audit.facts_tables import range_filter, variant
from boardline.engine.compiled import CompiledPack, CompiledSchoolHours
from boardline.policy.pack import Effect, Severity

#: The columns of ``web_outcomes``, in table order (declared in :mod:`boardline.audit.schema`).
OUTCOME_COLUMNS = schema.WEB_OUTCOME_COLUMNS

#: The branches a school-hours rule decided (the others are defaults).
RULE_BRANCHES = ("outside_hours", "grant", "emergency", "in_hours")
_RULE_BRANCHES = "(" + ", ".join(f"'{b}'" for b in RULE_BRANCHES) + ")"

#: Best-decision columns carried from stage to stage.
_BEST = (
    "b_rank",
    "b_effect",
    "b_rule",
    "b_severity",
    "b_branch",
    "b_categories",
    "b_in_hours",
    "b_building",
    "b_exception_kind",
    "b_exception_id",
)

# ``ts`` rounded to the microsecond half-even, as ``datetime.fromtimestamp`` does:
# whole seconds plus the rounded fraction, in DOUBLE throughout.
_FRACTION = "(ts - CAST(floor(ts) AS DOUBLE)) * 1e6"
_MOMENT = (
    "(CAST(floor(ts) AS DOUBLE) * 1e6 + CASE WHEN us - CAST(floor(us) AS DOUBLE) = 5e-1 "
    "THEN 2e0 * CAST(floor((us + 5e-1) / 2e0) AS DOUBLE) ELSE round(us) END) / 1e6"
)


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(lit(v) for v in sorted(values)) + ")"


def _rank(effect: str) -> str:
    return f"CASE {effect} WHEN 'deny' THEN 2 WHEN 'flag' THEN 1 ELSE 0 END"


def outcomes_sql(
    compiled: CompiledPack, *, since: float | None = None, until: float | None = None
) -> str:
    """A ``SELECT`` giving ``web_outcomes`` rows (columns in table order) for the events."""
    rules = compiled.school_hours
    base = _base(since, until)
    ctes: list[str] = []
    for index, rule in enumerate(rules):
        ctes.extend(_rule_block(index, rule, base))
    ctes.append(_stage_zero(base))
    for index, rule in enumerate(rules):
        ctes.append(_stage(index, rule.rule.id))
    last = f"s{len(rules)}"
    return "WITH " + ",\n".join(ctes) + "\n" + _final(compiled, last)


def _base(since: float | None, until: float | None) -> str:
    """The events with who is behind them and which site they went to, as a subquery.

    It is written out where it is used (the rule blocks and stage zero) rather than
    named as a CTE: a CTE read twice is materialized, a copy of every event row
    with all its columns, which at ten million rows cost more (in memory and
    spilling) than the few hash joins against small fact tables computed twice.
    """
    ev0 = (
        "SELECT source, line, ts, client, username, method, host, path, top_level, "
        f"{_FRACTION} AS us FROM web_events WHERE {range_filter(since, until)}"
    )
    ev = (
        "SELECT source, line, ts, client, username, method, host, path, top_level, "
        f"coalesce(client, '') AS ckey, coalesce(username, '') AS ukey, {_MOMENT} AS moment "
        f"FROM ({ev0}) ev0"
    )
    return (
        "(SELECT ev.*, i.person_id, i.role, i.district_equipment, i.sched_id, "
        "i.first_building, CAST(floor(ev.moment / 86400e0) AS BIGINT) AS bucket, "
        "coalesce(p.site_id, h.site_id) AS site_id "
        f"FROM ({ev}) ev "
        "LEFT JOIN fact_identity i ON i.ckey = ev.ckey AND i.ukey = ev.ukey "
        "AND ev.moment >= i.lo AND ev.moment < i.hi "
        "LEFT JOIN fact_hosts h ON h.host = ev.host "
        "LEFT JOIN fact_paths p ON p.host = ev.host AND p.path = ev.path)"
    )


def _rule_block(n: int, rule: CompiledSchoolHours, base: str) -> list[str]:
    spec = rule.rule
    reading = spec.interpretation
    out = [
        # Candidates: people this rule covers, on a site in its categories, with the
        # school-hours answer for the rule's reading at the building that decided.
        f"c{n} AS (SELECT b.source, b.line, b.moment, b.person_id, b.site_id, "
        "b.district_equipment, r.hit, coalesce(hr.in_hours, FALSE) AS in_hours, "
        "coalesce(hr.building, b.first_building) AS building "
        f"FROM {base} b "
        f"JOIN fact_site_rules r ON r.site_id = b.site_id AND r.rule_idx = {n} "
        f"LEFT JOIN fact_hours hr ON hr.sched_id = b.sched_id AND hr.variant = {variant(rule)} "
        "AND hr.bucket = b.bucket AND b.moment >= hr.seg_start AND b.moment < hr.seg_end "
        f"WHERE b.role IN {_in(rule.covers)})"
    ]
    grant = "CAST(NULL AS VARCHAR)"
    emergency = "CAST(NULL AS VARCHAR)"
    joins = ""
    if rule.honours_grants:
        # ExceptionBook.grant_for: the active grant that ends last; ties go to the first
        # in scope order (person, role, district, buildings), then in book order.
        out.append(
            f"g{n} AS (SELECT source, line, grant_id FROM (SELECT c.source, c.line, g.grant_id, "
            "row_number() OVER (PARTITION BY c.source, c.line "
            "ORDER BY g.ends DESC, k.key_rank, g.grant_pos) AS pick "
            f"FROM c{n} c JOIN fact_person_keys k ON k.person_id = c.person_id "
            "JOIN fact_grants g ON g.scope = k.scope AND g.target = k.target "
            "JOIN fact_grant_sites gs ON gs.site_id = c.site_id "
            f"AND gs.rule_idx = {n} AND gs.grant_pos = g.grant_pos "
            "WHERE c.in_hours AND c.moment >= g.starts AND c.moment < g.ends) t "
            "WHERE pick = 1)"
        )
        grant = "g.grant_id"
        joins += f" LEFT JOIN g{n} g ON g.source = c.source AND g.line = c.line"
    if rule.honours_emergencies:
        # ExceptionBook.emergency_for: the first active one in scope order, then book order.
        out.append(
            f"x{n} AS (SELECT source, line, em_id FROM (SELECT c.source, c.line, x.em_id, "
            "row_number() OVER (PARTITION BY c.source, c.line "
            "ORDER BY k.key_rank, x.em_pos) AS pick "
            f"FROM c{n} c JOIN fact_person_keys k ON k.person_id = c.person_id "
            "JOIN fact_emergencies x ON x.scope = k.scope AND x.target = k.target "
            "WHERE c.in_hours AND c.moment >= x.starts AND c.moment < x.ends) t "
            "WHERE pick = 1)"
        )
        emergency = "x.em_id"
        joins += f" LEFT JOIN x{n} x ON x.source = c.source AND x.line = c.line"
    branch = (
        "CASE WHEN NOT c.in_hours THEN 'outside_hours' "
        f"WHEN {grant} IS NOT NULL THEN 'grant' "
        f"WHEN {emergency} IS NOT NULL THEN 'emergency' ELSE 'in_hours' END"
    )
    outside = (
        f"CASE WHEN c.district_equipment THEN {lit(reading.district_equipment_outside_hours.value)}"
        f" ELSE {lit(reading.personal_equipment_outside_hours.value)} END"
    )
    info = lit(Severity.INFO.value)
    out.append(
        f"d{n}0 AS (SELECT c.source, c.line, c.hit, c.in_hours, c.building, "
        f"{branch} AS branch, {grant} AS grant_id, {emergency} AS em_id, "
        f"{outside} AS outside FROM c{n} c{joins})"
    )
    effect = (
        "CASE branch WHEN 'outside_hours' THEN outside WHEN 'in_hours' THEN "
        f"{lit(spec.effect.value)} ELSE 'allow' END"
    )
    out.append(
        f"d{n} AS (SELECT source, line, hit, in_hours, building, branch, "
        f"{effect} AS effect, "
        f"CASE WHEN branch = 'in_hours' OR (branch = 'outside_hours' AND outside <> 'allow') "
        f"THEN {lit(spec.severity.value)} ELSE {info} END AS severity, "
        "CASE branch WHEN 'grant' THEN 'grant' WHEN 'emergency' THEN 'emergency' END "
        "AS exception_kind, "
        "CASE branch WHEN 'grant' THEN grant_id WHEN 'emergency' THEN em_id END AS exception_id "
        f"FROM d{n}0)"
    )
    return out


def _stage_zero(base: str) -> str:
    nulls = (
        "CAST(NULL AS INTEGER) AS b_rank, CAST(NULL AS VARCHAR) AS b_effect, "
        "CAST(NULL AS VARCHAR) AS b_rule, CAST(NULL AS VARCHAR) AS b_severity, "
        "CAST(NULL AS VARCHAR) AS b_branch, CAST(NULL AS VARCHAR[]) AS b_categories, "
        "CAST(NULL AS BOOLEAN) AS b_in_hours, CAST(NULL AS VARCHAR) AS b_building, "
        "CAST(NULL AS VARCHAR) AS b_exception_kind, CAST(NULL AS VARCHAR) AS b_exception_id"
    )
    return f"s0 AS (SELECT b.*, {nulls} FROM {base} b)"


def _stage(n: int, rule_id: str) -> str:
    """Keep rule ``n``'s decision when it is strictly stronger than the best so far."""
    take = f"(d.effect IS NOT NULL AND (s.b_rank IS NULL OR {_rank('d.effect')} > s.b_rank))"
    new = {
        "b_rank": _rank("d.effect"),
        "b_effect": "d.effect",
        "b_rule": lit(rule_id),
        "b_severity": "d.severity",
        "b_branch": "d.branch",
        "b_categories": "d.hit",
        "b_in_hours": "d.in_hours",
        "b_building": "d.building",
        "b_exception_kind": "d.exception_kind",
        "b_exception_id": "d.exception_id",
    }
    keep = ", ".join(f"s.{c}" for c in _KEEP)
    picked = ", ".join(f"CASE WHEN {take} THEN {new[c]} ELSE s.{c} END AS {c}" for c in _BEST)
    return (
        f"s{n + 1} AS (SELECT {keep}, {picked} FROM s{n} s "
        f"LEFT JOIN d{n} d ON d.source = s.source AND d.line = s.line)"
    )


#: Event and identity columns every stage carries unchanged.
_KEEP = (
    "source",
    "line",
    "ts",
    "client",
    "username",
    "method",
    "host",
    "path",
    "top_level",
    "person_id",
    "role",
    "district_equipment",
    "site_id",
)


def _final(compiled: CompiledPack, last: str) -> str:
    rules = compiled.school_hours
    default = compiled.default
    unknown = default.unknown_subject_effect.value if default else Effect.ALLOW.value
    uncovered = default.not_covered_effect.value if default else Effect.ALLOW.value
    default_id = lit(default.id if default else "default")
    considered = " ".join(
        f"WHEN s.role IN {_in(rule.covers)} THEN {n}" for n, rule in enumerate(rules)
    )
    considered_expr = f"CASE {considered} END" if considered else "CAST(NULL AS INTEGER)"
    branch = (
        "CASE WHEN s.person_id IS NULL THEN 'no_identity' "
        f"WHEN s.role NOT IN {_in(compiled.covered_roles)} THEN 'not_covered' "
        "WHEN s.b_branch IS NOT NULL THEN s.b_branch "
        "WHEN considered IS NOT NULL THEN 'not_category' ELSE 'not_covered' END"
    )
    rule_ids = " ".join(f"WHEN {n} THEN {lit(rule.rule.id)}" for n, rule in enumerate(rules))
    by_index = f"CASE considered {rule_ids} END" if rules else "CAST(NULL AS VARCHAR)"
    empty = "CAST([] AS VARCHAR[])"
    info = lit(Severity.INFO.value)
    columns = {
        "source": "source",
        "line": "line",
        "ts": "ts",
        "client": "client",
        "username": "username",
        "method": "method",
        "host": "host",
        "path": "path",
        "top_level": "top_level",
        "person_id": "person_id",
        "role": "role",
        "building": f"CASE WHEN branch IN {_RULE_BRANCHES} THEN b_building END",
        "effect": f"CASE branch WHEN 'no_identity' THEN {lit(unknown)} "
        f"WHEN 'not_covered' THEN {lit(uncovered)} WHEN 'not_category' THEN 'allow' "
        "ELSE b_effect END",
        "rule": f"CASE branch WHEN 'no_identity' THEN {default_id} "
        f"WHEN 'not_covered' THEN {default_id} "
        f"WHEN 'not_category' THEN {by_index} "
        "ELSE b_rule END",
        "severity": f"CASE WHEN branch IN {_RULE_BRANCHES} THEN b_severity ELSE {info} END",
        "branch": "branch",
        "categories": f"CASE branch WHEN 'no_identity' THEN {empty} "
        f"WHEN 'not_covered' THEN {empty} "
        f"WHEN 'not_category' THEN coalesce(site_categories, {empty}) ELSE b_categories END",
        "in_hours": f"CASE WHEN branch IN {_RULE_BRANCHES} THEN b_in_hours END",
        "district_equipment": "district_equipment",
        "exception_kind": "b_exception_kind",
        "exception_id": "b_exception_id",
        "revision": lit(compiled.revision),
    }
    select = ", ".join(f"{columns[name]} AS {name}" for name in OUTCOME_COLUMNS)
    return (
        f"SELECT {select} FROM (SELECT s.*, {branch} AS branch, fs.categories AS site_categories "
        f"FROM (SELECT s.*, {considered_expr} AS considered FROM {last} s) s "
        "LEFT JOIN fact_sites fs ON fs.site_id = s.site_id) s"
    )
