"""The OneRoster CSV manifest: which version a bundle is and which files it holds.

Every OneRoster 1.1 and 1.2 CSV bundle starts with ``manifest.csv``, two columns
(``propertyName``, ``value``): ``oneroster.version`` and one ``file.<name>``
entry per data file saying ``bulk`` (a full set), ``delta`` (changes only) or
``absent``. A directory is a full picture of the district, so the files it is
built from must be bulk; a file the manifest declares but the bundle lacks is
an error, and a file present but declared absent is read by nobody (and said so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from boardline.directory.csv_table import Problems, Row, read_table

MANIFEST = "manifest.csv"
VERSIONS = ("1.1", "1.2")
MODES = ("bulk", "delta", "absent")


@dataclass(frozen=True, slots=True)
class Manifest:
    version: str
    modes: dict[str, str]
    rows: dict[str, Row] = field(default_factory=dict)
    file: str = MANIFEST

    def mode(self, name: str) -> str | None:
        """``bulk``/``delta``/``absent`` for ``file.<name>``, or None when not listed."""
        return self.modes.get(name)


def read_manifest(root: Path, problems: Problems) -> Manifest | None:
    """The bundle's manifest, or None (with problems reported) when it cannot be used."""
    path = root / MANIFEST
    if not path.is_file():
        problems.add(
            str(path),
            "missing: a OneRoster CSV bundle starts with manifest.csv (propertyName,value)",
        )
        return None
    table = read_table(path, problems, required=("propertyName", "value"))
    if table is None:
        return None
    rows: dict[str, Row] = {}
    for row in table:
        name = row.get("propertyName")
        if not name:
            row.problem(problems, "propertyName", "is required")
            continue
        if name in rows:
            row.problem(
                problems,
                "propertyName",
                f"{name!r} is listed twice (first on line {rows[name].line})",
            )
            continue
        rows[name] = row
    version = _version(rows, table.file, problems)
    modes: dict[str, str] = {}
    for name, row in rows.items():
        if not name.startswith("file."):
            continue
        mode = row.get("value").lower()
        if mode not in MODES:
            row.problem(problems, "value", f"{row.get('value')!r} is not one of {', '.join(MODES)}")
            continue
        data_file = name.removeprefix("file.")
        modes[data_file] = mode
        if mode != "absent" and not (root / f"{data_file}.csv").is_file():
            row.problem(
                problems, "value", f"declares {data_file}.csv as {mode} but the file is missing"
            )
    if version is None:
        return None
    return Manifest(version, modes, rows, table.file)


def _version(rows: dict[str, Row], file: str, problems: Problems) -> str | None:
    row = rows.get("oneroster.version")
    if row is None:
        problems.add(
            file,
            "missing the oneroster.version entry (1.1 or 1.2)",
            line=1,
            field="oneroster.version",
        )
        return None
    value = row.get("value")
    for version in VERSIONS:
        if value == version or value.startswith(f"{version}."):
            return version
    row.problem(problems, "value", f"OneRoster version {value!r} is not supported (1.1 or 1.2)")
    return None


def check_needed(
    manifest: Manifest, root: Path, problems: Problems, name: str, *, required: bool
) -> bool:
    """Whether ``<name>.csv`` is to be read; reports a required file that is not bulk."""
    mode = manifest.mode(name)
    row = manifest.rows.get(f"file.{name}")
    if mode == "bulk":
        return (root / f"{name}.csv").is_file()
    if mode == "delta":
        message = f"{name}.csv is a delta file; a directory is built from a full (bulk) export"
        if row is not None:
            row.problem(problems, "value", message)
        return False
    if required:
        message = f"{name}.csv is needed as a bulk file, but the manifest " + (
            "marks it absent" if mode == "absent" else f"has no file.{name} entry"
        )
        if row is not None:
            row.problem(problems, "value", message)
        else:
            problems.add(manifest.file, message, line=1, field=f"file.{name}")
    return False
