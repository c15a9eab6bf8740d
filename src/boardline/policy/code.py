"""Policy codes as US school districts number them.

Montana and most states number policies (``5460``, ``5450P``, ``6141.326``);
districts on the NEPN/NSBA system use letter codes (``GBEBD``, ``IJNDD``).
Procedures, regulations, forms and exhibits add a suffix: ``5450P``,
``3200-R``, ``IJNDD-E``, ``GBEBD-R``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

_NUMERIC = r"\d{1,5}(?:\.\d{1,4})*"
_LETTERS = r"[A-Z]{1,6}"
CODE_PATTERN = re.compile(
    rf"^(?P<base>{_NUMERIC}|{_LETTERS})(?:(?P<sep>[- ]?)(?P<suffix>[PRFE]\d?|AR|BP))?$"
)

SUFFIX_KINDS = {
    "P": "procedure",
    "R": "regulation",
    "F": "form",
    "E": "exhibit",
    "AR": "administrative regulation",
    "BP": "board policy",
}


@dataclass(frozen=True, slots=True)
class CodeParts:
    base: str
    suffix: str | None

    @property
    def kind(self) -> str:
        if self.suffix is None:
            return "policy"
        return SUFFIX_KINDS.get(self.suffix.rstrip("0123456789"), "policy")


def parse_code(text: str) -> CodeParts | None:
    """Split a code into base and suffix, or ``None`` when it is not a policy code."""
    match = CODE_PATTERN.match(text.strip())
    if match is None:
        return None
    return CodeParts(base=match["base"], suffix=match["suffix"])


def is_policy_code(text: str) -> bool:
    return parse_code(text) is not None


def _validate(value: str) -> str:
    value = value.strip()
    if parse_code(value) is None:
        msg = (
            f"{value!r} is not a policy code (expected e.g. 5460, 5450P, 6141.326, GBEBD, IJNDD-R)"
        )
        raise ValueError(msg)
    return value


PolicyCode = Annotated[str, AfterValidator(_validate)]
