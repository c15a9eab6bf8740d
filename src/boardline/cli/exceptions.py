"""``boardline grant`` / ``boardline emergency`` / ``boardline exceptions``.

5460's two ways round the no-access rule: "unless asked to do so by
administration" (a grant, made by an administrator) and "except in an emergency
situation" (declared by the person, or building-wide by an administrator).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

import typer
from rich.table import Table

from boardline.cli.output import console, emit_json, fail
from boardline.cli.runtime import ConfigOpt, parse_at, runtime
from boardline.engine.exceptions import Scope, declare_emergency, new_grant
from boardline.model.errors import InputError
from boardline.policy.pack import Role
from boardline.runtime import Runtime, now_utc

app = typer.Typer(help="List and revoke administrator grants and emergencies.")


def _scope(
    rt: Runtime, person: str | None, building: str | None, role: str | None, district: bool
) -> tuple[Scope, str]:
    chosen = [x for x in (person, building, role) if x] + (["district"] if district else [])
    if len(chosen) != 1:
        fail("say who it is for: exactly one of --for, --building, --role or --district")
    if person:
        found = rt.facts.directory.resolve(person)
        if found is None:
            fail(f"--for: {person} is not in the directory")
        return Scope.PERSON, found.id
    if building:
        return Scope.BUILDING, building
    if role:
        return Scope.ROLE, role
    return Scope.DISTRICT, ""


def _administrator(rt: Runtime, who: str) -> tuple[str, bool]:
    person = rt.facts.directory.resolve(who)
    if person is None:
        fail(f"{who} is not in the directory")
    return person.username, person.role is Role.ADMINISTRATOR


def grant(
    approver: Annotated[str, typer.Option("--approver", help="The administrator asking for it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why administration asks for it.")],
    person: Annotated[str | None, typer.Option("--for", help="A person (username or id).")] = None,
    building: Annotated[
        str | None, typer.Option("--building", help="Everyone in a building.")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="Everyone with a role.")] = None,
    district: Annotated[bool, typer.Option("--district", help="The whole district.")] = False,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Categories it opens.")
    ] = None,
    domain: Annotated[list[str] | None, typer.Option("--domain", help="Domains it opens.")] = None,
    starts: Annotated[str | None, typer.Option("--from", help="Start (default: now).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="End (ISO 8601).")] = None,
    hours: Annotated[float, typer.Option("--hours", help="Length if --until is not given.")] = 1.0,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    config: ConfigOpt = None,
) -> None:
    """Record an administrator's grant: scoped, time-boxed, with approver and reason."""
    rt = runtime(config)
    zone = rt.pack.district.timezone
    begin = parse_at(starts, zone)
    end = parse_at(until, zone) if until else begin + dt.timedelta(hours=hours)
    scope, target = _scope(rt, person, building, role, district)
    name, is_admin = _administrator(rt, approver)
    try:
        made = new_grant(
            grant_id="g-" + secrets.token_hex(5),
            approver=name,
            approver_is_administrator=is_admin,
            scope=scope,
            target=target,
            starts=begin,
            ends=end,
            reason=reason,
            settings=rt.pack.exceptions,
            categories=category or (),
            domains=domain or (),
        )
    except InputError as exc:
        fail(exc)
    try:
        rt.exception_store.add_grant(made)
    except InputError as exc:
        fail(exc)
    if json_out:
        emit_json(
            {"id": made.id, "scope": scope.value, "target": target, "ends": made.ends.isoformat()}
        )
        return
    console.print(
        f"[green]granted[/green] {made.id}: {scope.value} {target or 'district'} until "
        f"{made.ends.isoformat(timespec='minutes')} — approved by {name}: {made.reason}"
    )


def emergency(
    declared_by: Annotated[str, typer.Option("--by", help="Who declares it (username).")],
    reason: Annotated[str, typer.Option("--reason", help="What the emergency is.")],
    minutes: Annotated[int, typer.Option("--minutes", help="How long it lasts.")] = 30,
    building: Annotated[
        str | None, typer.Option("--building", help="Building-wide (administrators).")
    ] = None,
    district: Annotated[
        bool, typer.Option("--district", help="District-wide (administrators).")
    ] = False,
    at: Annotated[str | None, typer.Option("--at", help="When (default: now).")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    config: ConfigOpt = None,
) -> None:
    """Declare an emergency: takes effect at once, time-boxed, alerts administrators."""
    rt = runtime(config)
    name, is_admin = _administrator(rt, declared_by)
    person = rt.facts.directory.resolve(declared_by)
    assert person is not None
    if building:
        scope, target = Scope.BUILDING, building
    elif district:
        scope, target = Scope.DISTRICT, ""
    else:
        scope, target = Scope.PERSON, person.id
    try:
        made, alert = declare_emergency(
            emergency_id="e-" + secrets.token_hex(5),
            declared_by=name,
            declarer_is_administrator=is_admin,
            scope=scope,
            target=target,
            at=parse_at(at, rt.pack.district.timezone),
            minutes=minutes,
            reason=reason,
            settings=rt.pack.exceptions,
        )
    except InputError as exc:
        fail(exc)
    try:
        rt.exception_store.add_emergency(made, alert)
    except InputError as exc:
        fail(exc)
    if json_out:
        emit_json({"id": made.id, "ends": made.ends.isoformat(), "alert": alert.message})
        return
    console.print(
        f"[yellow]emergency[/yellow] {made.id} until {made.ends.isoformat(timespec='minutes')}"
    )
    console.print(f"[bold]alert[/bold] {alert.message}")


@app.command("list")
def list_(
    json_out: Annotated[bool, typer.Option("--json")] = False, config: ConfigOpt = None
) -> None:
    """Grants and emergencies on record, with whether each is active now."""
    rt = runtime(config)
    now = now_utc()
    book = rt.facts.exceptions
    rows = [
        (
            "grant",
            g.id,
            g.approver,
            f"{g.scope.value} {g.target}".strip(),
            g.starts,
            g.ends,
            g.reason,
        )
        for g in book.grants
    ] + [
        (
            "emergency",
            e.id,
            e.declared_by,
            f"{e.scope.value} {e.target}".strip(),
            e.starts,
            e.ends,
            e.reason,
        )
        for e in book.emergencies
    ]
    if json_out:
        emit_json(
            [
                {
                    "kind": k,
                    "id": i,
                    "by": b,
                    "scope": s,
                    "starts": st.isoformat(),
                    "ends": en.isoformat(),
                    "reason": r,
                    "active": st <= now < en,
                }
                for k, i, b, s, st, en, r in rows
            ]
        )
        return
    table = Table("kind", "id", "by", "for", "from", "until", "active", "reason")
    for kind, ident, by, scope, st, en, why in rows:
        active = "yes" if st <= now < en else "no"
        table.add_row(
            kind,
            ident,
            by,
            scope,
            st.isoformat(timespec="minutes"),
            en.isoformat(timespec="minutes"),
            active,
            why,
        )
    console.print(table)
    for alert in rt.alerts:
        console.print(
            f"[bold]alert[/bold] {alert.at.isoformat(timespec='minutes')} {alert.message}"
        )


@app.command()
def revoke(
    exception_id: Annotated[str, typer.Argument(help="The grant or emergency id.")],
    by: Annotated[str, typer.Option("--by", help="The administrator revoking it.")],
    config: ConfigOpt = None,
) -> None:
    """Revoke a grant or end an emergency early (recorded, never erased)."""
    rt = runtime(config)
    name, is_admin = _administrator(rt, by)
    if not is_admin:
        fail(f"--by: {name} is not an administrator")
    known = {g.id for g in rt.facts.exceptions.grants} | {
        e.id for e in rt.facts.exceptions.emergencies
    }
    if exception_id not in known:
        fail(f"no grant or emergency {exception_id}")
    try:
        rt.exception_store.revoke(exception_id, name, now_utc())
    except InputError as exc:
        fail(exc)
    console.print(f"revoked {exception_id}")
