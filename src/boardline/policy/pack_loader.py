"""Load and validate a policy pack, reporting every problem with its file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from boardline.model.errors import InputError, Problem
from boardline.policy.pack import Pack, cross_check
from boardline.policy.yaml_source import Loc, Located, read_yaml

MAX_PACK_BYTES = 16 * 1024 * 1024


def load_pack(path: str | Path) -> Pack:
    """Read, parse and validate the pack at ``path``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.at(str(path), f"cannot read the pack: {exc.strerror or exc}") from None
    return parse_pack(raw, str(path))


def parse_pack(raw: bytes | str, file: str = "<pack>") -> Pack:
    """Validate a pack given as bytes or text; ``file`` names it in errors."""
    text = _decode(raw, file)
    located = read_yaml(text, file)
    return validate_pack(located)


def validate_pack(located: Located) -> Pack:
    if not isinstance(located.data, dict):
        raise InputError.at(
            located.file, "a pack is a mapping with format, district, policies", line=1
        )
    try:
        pack = Pack.model_validate(located.data, context={"defer_cross_checks": True})
    except ValidationError as exc:
        raise InputError(_problems(exc, located)) from None
    crossed = cross_check(pack)
    if crossed:
        raise InputError([Problem(located.place(loc), msg) for loc, msg in crossed])
    return pack


def _decode(raw: bytes | str, file: str) -> str:
    if isinstance(raw, str):
        return raw
    if len(raw) > MAX_PACK_BYTES:
        raise InputError.at(file, f"the pack is larger than {MAX_PACK_BYTES // 1024 // 1024} MiB")
    if b"\x00" in raw[:8192]:
        raise InputError.at(file, "this is not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.at(file, "the file is not valid UTF-8", line=line) from None


def _problems(exc: ValidationError, located: Located) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"], located.data)
        problems.append(Problem(located.place(loc), _message(error)))
    return problems


def _clean_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """Drop the discriminator tags pydantic inserts (``rules.2.posting.effect``)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            # A tagged-union or function-validator step, not a key of the document.
            if part in ("function-after", "function-before") or "[" in part:
                continue
            if node.get("kind") == part:
                continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")
