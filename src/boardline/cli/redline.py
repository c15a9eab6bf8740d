"""``boardline policy diff``: a redline between two versions of a policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from boardline.cli.output import console, emit_json, fail
from boardline.model.errors import InputError
from boardline.policy.document import Policy, PolicyVersion
from boardline.policy.importer import import_policy_file
from boardline.policy.pack_loader import load_pack
from boardline.policy.redline import Change, Op, Redline, redline

PACK_SUFFIXES = (".yaml", ".yml")


def _policies(path: Path, code: str | None, label: str) -> Policy:
    """A policy from a pack (YAML) or from policy text as districts publish it."""
    try:
        if path.suffix.lower() in PACK_SUFFIXES:
            pack = load_pack(path)
            policy = pack.policies[0] if code is None else pack.policy(code)
            if policy is None:
                fail(f"{path}: no policy {code} in the pack")
            return policy
        return import_policy_file(path, version_label=label).policy
    except InputError as exc:
        fail(exc)


def _pick(policy: Policy, label: str | None, source: Path, default: PolicyVersion) -> PolicyVersion:
    if label is None:
        return default
    chosen = policy.version(label)
    if chosen is None:
        labels = ", ".join(v.label for v in policy.versions)
        fail(f"{source}: policy {policy.code} has no version {label!r} (it has: {labels})")
    return chosen


def diff(
    old: Annotated[Path, typer.Argument(help="A pack (YAML) or a policy text file.")],
    new: Annotated[
        Path | None,
        typer.Argument(help="A second pack or text; omit to compare versions inside OLD."),
    ] = None,
    code: Annotated[
        str | None, typer.Option(help="Policy code in a pack (default: first).")
    ] = None,
    from_label: Annotated[str | None, typer.Option("--from", help="Old version label.")] = None,
    to_label: Annotated[str | None, typer.Option("--to", help="New version label.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a redline: struck words in red, inserted words in green, clause by clause."""
    first = _policies(old, code, "old")
    if new is None:
        if len(first.versions) < 2 and (from_label is None or to_label is None):
            fail(f"{old}: policy {first.code} has one version; give a second file or --from/--to")
        before = _pick(
            first, from_label, old, first.versions[-2] if len(first.versions) > 1 else first.current
        )
        after = _pick(first, to_label, old, first.current)
    else:
        second = _policies(new, code, "new")
        before = _pick(first, from_label, old, first.current)
        after = _pick(second, to_label, new, second.current)
    result = redline(before, after)
    if json_out:
        emit_json(redline_json(first, result))
        return
    print_redline(first, result)


def redline_json(policy: Policy, result: Redline) -> dict[str, object]:
    return {
        "policy": policy.code,
        "from": result.old_label,
        "to": result.new_label,
        "changed": result.changed,
        "counts": result.counts(),
        "clauses": [
            {
                "old_id": c.old_id,
                "new_id": c.new_id,
                "change": c.change.value,
                "spans": [{"op": s.op.value, "text": s.text} for s in c.spans],
            }
            for c in result.clauses
        ],
        "sections": [
            {"section": s.section, "removed": list(s.removed), "added": list(s.added)}
            for s in result.sections
        ],
    }


_STYLE = {Op.EQUAL: "", Op.DELETE: "red strike", Op.INSERT: "green underline"}


def print_redline(policy: Policy, result: Redline) -> None:
    console.rule(
        f"[bold]{policy.code}[/bold] {policy.title}: {result.old_label} → {result.new_label}"
    )
    counts = result.counts()
    console.print(
        f"{counts['changed']} changed, {counts['added']} added, {counts['removed']} removed, "
        f"{counts['unchanged']} unchanged clauses"
    )
    for clause in result.clauses:
        if clause.change is Change.UNCHANGED:
            continue
        line = Text(f"{clause.label} [{clause.change.value}] ", style="bold cyan")
        for n, span in enumerate(clause.spans):
            if n:
                line.append(" ")
            marker = {"delete": "[-", "insert": "{+"}.get(span.op.value, "")
            closer = {"delete": "-]", "insert": "+}"}.get(span.op.value, "")
            line.append(f"{marker}{span.text}{closer}", style=_STYLE[span.op])
        console.print(line)
    for section in result.sections:
        for item in section.removed:
            console.print(Text(f"{section.section}: [-{item}-]", style="red strike"))
        for item in section.added:
            console.print(Text(f"{section.section}: {{+{item}+}}", style="green underline"))
