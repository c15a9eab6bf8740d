"""Load and validate a policy pack, reporting every problem with its file, line and field."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from boardline.model.errors import InputError, Problem
from boardline.policy.pack import Pack, cross_check
from boardline.policy.yaml_source import Located, decode_text, read_yaml, validation_problems

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
    text = decode_text(raw, file, what="pack", max_bytes=MAX_PACK_BYTES)
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
        raise InputError(validation_problems(exc, located)) from None
    crossed = cross_check(pack)
    if crossed:
        raise InputError([Problem(located.place(loc), msg) for loc, msg in crossed])
    return pack
