"""``boardline assets``: register what the district owns, so the scanners can recognise it.

Logos, photographs and documents are fingerprinted as they are added and only the
fingerprints are kept (see :mod:`boardline.storage.asset_store`). Staff-provided value
lists (SSNs of record) are hashed here with the district salt, line by line, and only
the salted digests reach the database; no value is ever printed, including in errors,
which name the line instead.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from boardline.bootstrap import asset_store, inspection_salt
from boardline.cli.output import console, emit_json, fail
from boardline.cli.runtime import ConfigOpt
from boardline.inspection.assets import AssetKind
from boardline.inspection.confidential_values import SaltedValues, canonical
from boardline.model.errors import InputError, Place, Problem
from boardline.runtime import now_utc
from boardline.settings import load_settings
from boardline.storage.asset_store import VALUE_KINDS, StoredAsset

app = typer.Typer(help="Register the district's logos, photos, documents and value lists.")

KINDS = ("logo", "photo", "document")


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who registers it (default: the login name).")
]


def _row(asset: StoredAsset) -> dict[str, object]:
    return {
        "id": asset.id,
        "kind": asset.kind.value,
        "label": asset.label,
        "added_by": asset.added_by,
        "added_at": asset.added_at.isoformat(),
        "revision": asset.revision,
        "fingerprinting": asset.fingerprinting,
        "fingerprint_bytes": asset.size,
        "removed_at": asset.removed_at.isoformat() if asset.removed_at else None,
        "removed_by": asset.removed_by,
    }


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Pictures or documents to register.")],
    kind: Annotated[str, typer.Option("--kind", help="logo, photo or document.")],
    label: Annotated[
        str | None, typer.Option("--label", help="What it is (default: the file name).")
    ] = None,
    by: ByOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Fingerprint and register files; the files themselves are not kept."""
    if kind not in KINDS:
        fail(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    problems: list[Problem] = []
    try:
        settings = load_settings(config)
        store = asset_store(settings)
    except InputError as exc:
        fail(exc)
    who, at = _who(by), now_utc()
    try:
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(Problem(Place(str(path)), f"cannot read: {exc.strerror}"))
                continue
            name = label or path.name
            try:
                if kind == "document":
                    added = store.add_document(data, str(path), label=name, by=who, at=at)
                else:
                    added = store.add_picture(
                        AssetKind(kind), data, str(path), label=name, by=who, at=at
                    )
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            state = "registered" if added.new else "already registered"
            console.print(
                f"{state} {added.asset.id} ({kind}, {added.asset.label!r}, "
                f"{added.asset.size:,} bytes of fingerprints) from {path}",
                soft_wrap=True,
            )
        revision = store.revision()
    finally:
        store.close()
    console.print(f"registry revision {revision}")
    if problems:
        fail(InputError(problems))


@app.command("add-values")
def add_values(
    file: Annotated[Path, typer.Argument(help="One value per line, optionally `value,owner id`.")],
    kind: Annotated[str, typer.Option("--kind", help="What the values are: ssn.")] = "ssn",
    label: Annotated[str | None, typer.Option("--label", help="Default: `<kind>s of record`.")] = (
        None
    ),
    by: ByOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Hash a staff-provided list with the district salt and keep only the digests."""
    if kind not in VALUE_KINDS:
        fail(f"--kind: {kind!r} is not one of {', '.join(VALUE_KINDS)}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(InputError.at(str(file), f"cannot read: {exc}"))
    entries: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        value, _, owner = (part.strip() for part in line.partition(","))
        if number == 1 and not any(c.isdigit() for c in value):
            continue  # a header row
        if kind == "ssn" and not (len(canonical(value)) == 9 and canonical(value).isdigit()):
            # The line number, never the value: it may be a real SSN with a typo.
            problems.append(Problem(Place(str(file), number, None, kind), "not a 9-digit SSN"))
            continue
        entries.append((value, owner))
    if problems:
        fail(InputError(problems))
    try:
        settings = load_settings(config)
        salt = inspection_salt(settings)
        values = SaltedValues.hash_values(salt, entries, name=f"{kind}-of-record")
        store = asset_store(settings)
        try:
            added = store.add_values(
                values, salt, kind=kind, label=label or f"{kind.upper()}s of record",
                by=_who(by), at=now_utc(),
            )  # fmt: skip
        finally:
            store.close()
    except InputError as exc:
        fail(exc)
    state = "registered" if added.new else "already registered"
    console.print(f"{state} {added.asset.id}: {len(values)} salted {kind} digests (no values kept)")


@app.command("list")
def list_assets(
    json_out: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    removed: Annotated[bool, typer.Option("--removed", help="Include removed assets.")] = False,
    config: ConfigOpt = None,
) -> None:
    """The registered assets (never their fingerprints)."""
    try:
        store = asset_store(load_settings(config))
    except InputError as exc:
        fail(exc)
    try:
        assets = store.list(include_removed=removed)
        revision = store.revision()
    finally:
        store.close()
    if json_out:
        emit_json({"revision": revision, "assets": [_row(a) for a in assets]})
        return
    table = Table("id", "kind", "label", "added", "by", "fingerprint", title=f"assets {revision}")
    for asset in assets:
        added = asset.added_at.isoformat(timespec="seconds")
        if asset.removed_at is not None:
            added += f" (removed {asset.removed_at.isoformat(timespec='seconds')})"
        table.add_row(asset.id, asset.kind.value, asset.label, added, asset.added_by,
                      f"{asset.size:,} B")  # fmt: skip
    console.print(table)


@app.command()
def remove(
    asset: Annotated[str, typer.Argument(help="The asset id (from `boardline assets list`).")],
    by: ByOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Stop recognising an asset; the record of it stays."""
    try:
        store = asset_store(load_settings(config))
    except InputError as exc:
        fail(exc)
    try:
        done = store.remove(asset, by=_who(by), at=now_utc())
    finally:
        store.close()
    if done is None:
        fail(f"no registered asset {asset}")
    console.print(f"removed {done.id} ({done.kind.value}, {done.label!r})")
