"""The policy pack: a district's policies and the machine-readable rules that cite them.

A pack is one human-editable YAML file (format ``boardline/pack@1``, documented
in ``docs/policy-pack.md``). It holds

* the district (name, time zone),
* the policies, each with all of its versions (the policy book),
* the *interaction catalogue*: the district's own list of staff-student
  interactions that 5460 says are "expressly permitted or forbidden",
* the *rules*, each linked to the clauses it enforces by citations that may
  quote the exact words of the clause,
* the *interpretations*: the district's explicit reading of points the policy
  leaves open (is district equipment after hours covered?), so that no
  ambiguous choice hides in code.

Loading validates all of it (see :mod:`boardline.policy.pack_loader`); a valid
pack has a content-hash revision id that every decision carries.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from boardline.policy.document import ClauseId, Policy, PolicyVersion

PACK_FORMAT = "boardline/pack@1"

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", min_length=1, max_length=64)
]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class District(_Strict):
    id: Slug
    name: str = Field(min_length=1)
    state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    timezone: str = Field(default="America/Denver", min_length=1)


class CitationRef(_Strict):
    """A link from a rule to the clause it enforces.

    ``quote`` narrows the citation to the exact words that apply (it must occur
    verbatim in the clause); without it the whole clause is quoted.
    """

    policy: str
    clause: ClauseId
    quote: str | None = Field(default=None, min_length=1)


class Effect(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    FLAG = "flag"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Role(StrEnum):
    STAFF = "staff"
    ADMINISTRATOR = "administrator"
    STUDENT = "student"
    GUEST = "guest"


class Stance(StrEnum):
    PERMITTED = "permitted"
    FORBIDDEN = "forbidden"


class Relationship(StrEnum):
    FAMILY = "family"
    EMPLOYMENT = "employment"
    LEGAL = "legal"


class Channel(StrEnum):
    """How a staff member and a student interact."""

    DISTRICT_EMAIL = "district_email"
    PERSONAL_EMAIL = "personal_email"
    DISTRICT_PLATFORM = "district_platform"
    SMS = "sms"
    PHONE_CALL = "phone_call"
    PERSONAL_PHONE_SHARED = "personal_phone_shared"
    SOCIAL_FRIEND_REQUEST = "social_friend_request"
    SOCIAL_FRIEND_ACCEPT = "social_friend_accept"
    SOCIAL_FOLLOW = "social_follow"
    SOCIAL_DIRECT_MESSAGE = "social_direct_message"
    SOCIAL_GROUP = "social_group"
    GAMING = "gaming"


class Audience(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    ANY = "any"


class Qualifiers(_Strict):
    """Conditions under which a catalogue item's stance applies or is lifted."""

    #: The item applies only when the purpose is not educational.
    non_educational_only: bool = False
    #: Relationships (family, employment, legal) that exempt the pair from the item.
    exempt_relationships: tuple[Relationship, ...] = ()
    #: Allowed when carried on a district-controlled, monitored channel.
    district_channels_allowed: bool = False


class InteractionItem(_Strict):
    """One entry of the district's list of permitted or forbidden interactions."""

    id: Slug
    description: str = Field(min_length=1)
    stance: Stance
    channels: tuple[Channel, ...] = Field(min_length=1)
    audience: Audience = Audience.ANY
    #: Matches only events declared as an emergency.
    emergency_only: bool = False
    qualifiers: Qualifiers = Qualifiers()
    severity: Severity = Severity.MEDIUM
    #: Marks the item as the district's own decision (5460's footnote 1).
    district_decision: bool = True
    cites: tuple[CitationRef, ...] = Field(min_length=1)


class OutsideHours(StrEnum):
    """The district's reading of the no-access rule outside school hours."""

    ALLOW = "allow"
    DENY = "deny"
    FLAG = "flag"


class SchoolHoursInterpretation(_Strict):
    """Explicit answers to what 5460 leaves open; each is documented in the pack."""

    district_equipment_outside_hours: OutsideHours = OutsideHours.ALLOW
    personal_equipment_outside_hours: OutsideHours = OutsideHours.ALLOW
    #: Whether breaks, lunch and preparation periods are inside "school hours" (5460: yes).
    breaks_count: bool = True
    #: Non-instructional days on which staff still work (in-service): covered or not.
    staff_days_count: bool = True
    note: str | None = None


class ExceptionKind(StrEnum):
    GRANT = "grant"
    EMERGENCY = "emergency"


class _RuleBase(_Strict):
    id: Slug
    title: str = Field(min_length=1)
    cites: tuple[CitationRef, ...] = Field(min_length=1)
    severity: Severity = Severity.MEDIUM
    #: Policies to follow when this rule is broken (e.g. 5255 Disciplinary Action).
    follow_up: tuple[str, ...] = ()
    enabled: bool = True


class SchoolHoursAccessRule(_RuleBase):
    """No access to the listed categories for individual use during school hours."""

    kind: Literal["school_hours_access"]
    covers: tuple[Role, ...] = Field(min_length=1)
    categories: tuple[Slug, ...] = Field(min_length=1)
    effect: Literal[Effect.DENY, Effect.FLAG] = Effect.DENY
    honours: tuple[ExceptionKind, ...] = (ExceptionKind.GRANT, ExceptionKind.EMERGENCY)
    interpretation: SchoolHoursInterpretation = SchoolHoursInterpretation()


class PostingRule(_RuleBase):
    """What to do when an upload or post carries district-owned or confidential material."""

    kind: Literal["posting"]
    covers: tuple[Role, ...] = Field(min_length=1)
    findings: tuple[Slug, ...] = Field(min_length=1)
    effect: Literal[Effect.DENY, Effect.FLAG]
    #: Findings below this confidence (0..1) are not acted on.
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    #: Destinations (categories) the rule applies to; empty means any website.
    destinations: tuple[Slug, ...] = ()


class InteractionRule(_RuleBase):
    """Applies the interaction catalogue to staff-student communication events."""

    kind: Literal["interaction"]
    covers: tuple[Role, ...] = Field(min_length=1)
    #: Effect for a forbidden item (flag for review is the usual choice).
    forbidden_effect: Literal[Effect.DENY, Effect.FLAG] = Effect.FLAG
    #: Effect when no catalogue item matches.
    unlisted_effect: Effect = Effect.ALLOW


class DefaultRule(_RuleBase):
    """What happens to people and addresses the policy does not cover."""

    kind: Literal["default"]
    not_covered_effect: Effect = Effect.ALLOW
    unknown_subject_effect: Effect = Effect.ALLOW


Rule = Annotated[
    SchoolHoursAccessRule | PostingRule | InteractionRule | DefaultRule,
    Field(discriminator="kind"),
]


class CategoryOverride(_Strict):
    """A district decision that a site is not in a category a list puts it in."""

    domain: str = Field(min_length=1, pattern=r"^[A-Za-z0-9.\-*]+(/.*)?$")
    remove_from: tuple[Slug, ...] = ()
    add_to: tuple[Slug, ...] = ()
    reason: str = Field(min_length=1)


class ExceptionSettings(_Strict):
    emergency_max_minutes: int = Field(default=60, ge=1, le=24 * 60)
    grant_max_days: int = Field(default=180, ge=1, le=366)
    emergency_requires_reason: bool = True


class Pack(_Strict):
    """A validated policy pack. Build it with :func:`boardline.policy.pack_loader.load_pack`."""

    format: Literal["boardline/pack@1"]
    district: District
    policies: tuple[Policy, ...] = Field(min_length=1)
    interactions: tuple[InteractionItem, ...] = ()
    rules: tuple[Rule, ...] = ()
    category_overrides: tuple[CategoryOverride, ...] = ()
    exceptions: ExceptionSettings = ExceptionSettings()

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Pack:
        # The loader defers these checks so it can point each one at its YAML line.
        if info.context and info.context.get("defer_cross_checks"):
            return self
        problems = cross_check(self)
        if problems:
            raise ValueError("; ".join(f"{_dotted(loc)}: {msg}" for loc, msg in problems))
        return self

    def policy(self, code: str) -> Policy | None:
        for policy in self.policies:
            if policy.code == code:
                return policy
        return None

    def current(self, code: str) -> PolicyVersion | None:
        policy = self.policy(code)
        return None if policy is None else policy.current

    @property
    def revision(self) -> str:
        """Content hash of the pack: equal packs have equal revisions, whatever their layout."""
        return pack_revision(self)


def pack_revision(pack: Pack) -> str:
    canonical = json.dumps(
        pack.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


Loc = tuple[str | int, ...]


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def cross_check(pack: Pack) -> list[tuple[Loc, str]]:
    """Checks that span the pack: unique ids, and every citation resolving to a clause."""
    problems: list[tuple[Loc, str]] = []

    def dupes(section: str, ids: list[str], what: str) -> None:
        seen: set[str] = set()
        for n, ident in enumerate(ids):
            if ident in seen:
                problems.append(((section, n), f"duplicate {what} {ident!r}"))
            seen.add(ident)

    dupes("policies", [p.code for p in pack.policies], "policy code")
    dupes("rules", [r.id for r in pack.rules], "rule id")
    dupes("interactions", [i.id for i in pack.interactions], "interaction id")

    def check(owner: Loc, cites: tuple[CitationRef, ...]) -> None:
        for n, cite in enumerate(cites):
            loc = (*owner, "cites", n)
            version = pack.current(cite.policy)
            if version is None:
                problems.append(
                    ((*loc, "policy"), f"cites policy {cite.policy}, which is not in the pack")
                )
                continue
            clause = version.clause(cite.clause)
            if clause is None:
                problems.append(
                    (
                        (*loc, "clause"),
                        f"cites clause {cite.clause!r}, which policy {cite.policy} "
                        f"(version {version.label}) does not have",
                    )
                )
            elif cite.quote is not None and normalise_space(cite.quote) not in normalise_space(
                clause.text
            ):
                problems.append(
                    ((*loc, "quote"), f"the quote is not in the text of clause {cite.clause}")
                )

    for n, rule in enumerate(pack.rules):
        check(("rules", n), rule.cites)
        for m, ref in enumerate(rule.follow_up):
            if pack.policy(ref) is None and not _is_cross_referenced(pack, ref):
                problems.append(
                    (
                        ("rules", n, "follow_up", m),
                        f"{ref} is neither in the pack nor a cross reference of its policies",
                    )
                )
    for n, item in enumerate(pack.interactions):
        check(("interactions", n), item.cites)
    return problems


def normalise_space(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _is_cross_referenced(pack: Pack, code: str) -> bool:
    return any(
        ref.code == code for policy in pack.policies for ref in policy.current.cross_references
    )
