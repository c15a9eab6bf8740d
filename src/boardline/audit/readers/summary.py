"""What reading the logs found, per file and in total: the reconciliation the report shows.

Every line of a file is counted exactly once, as *used* (it became one or more
events), *skipped* (set aside on purpose, by reason) or an *error* (by reason,
with the first few samples). :attr:`SourceSummary.reconciles` checks
``lines == used + skipped + errors``; the loader asserts nothing silently
vanished by checking it for every file it read. ``events`` counts rows written:
one per used line for web logs, one per student recipient for mail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from boardline.audit.readers.errors import Bad, Skip

#: Error samples kept per file for the summary (all errors are in ``read_errors``).
SAMPLES_KEPT: Final = 5


@dataclass(frozen=True, slots=True)
class ErrorSample:
    line: int
    reason: str
    detail: str
    sample: str


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One file: its format and where each of its lines went."""

    source: str
    format: str
    lines: int
    used: int
    events: int
    skipped: int
    errors: int
    skipped_by_reason: MappingProxyType[str, int]
    errors_by_reason: MappingProxyType[str, int]
    first_errors: tuple[ErrorSample, ...]
    #: Event lines the fast path left to the reference parser (unusual spacing such as
    #: runs of spaces past the timestamp, tabs); 0 for logs as Squid writes them.
    fallback: int = 0

    @property
    def reconciles(self) -> bool:
        return self.lines == self.used + self.skipped + self.errors


@dataclass(frozen=True, slots=True)
class ReadSummary:
    sources: tuple[SourceSummary, ...]

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.sources)

    @property
    def events(self) -> int:
        return sum(s.events for s in self.sources)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sources)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.sources)

    @property
    def errors_by_reason(self) -> MappingProxyType[str, int]:
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.errors_by_reason)
        return MappingProxyType(dict(sorted(total.items())))


@dataclass(slots=True)
class Tally:
    """The running count for one file while it is read."""

    source: str
    format: str
    lines: int = 0
    used: int = 0
    events: int = 0
    fallback: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[ErrorSample] = field(default_factory=list)

    def skip(self, skip: Skip, count: int = 1) -> None:
        self.lines += count
        self.skipped[skip.reason] += count

    def error(self, line: int, bad: Bad, sample: str) -> None:
        self.lines += 1
        self.errors[bad.reason] += 1
        # The earliest lines, whatever order they were read in (the fast path reads
        # a chunk's odd lines before the ones its query refused).
        found = ErrorSample(line, bad.reason, bad.detail, sample)
        if len(self.samples) < SAMPLES_KEPT:
            self.samples.append(found)
        else:
            last = max(range(SAMPLES_KEPT), key=lambda i: self.samples[i].line)
            if line < self.samples[last].line:
                self.samples[last] = found

    def use(self, lines: int = 1, events: int | None = None) -> None:
        self.lines += lines
        self.used += lines
        self.events += lines if events is None else events

    def freeze(self) -> SourceSummary:
        return SourceSummary(
            source=self.source,
            format=self.format,
            lines=self.lines,
            used=self.used,
            events=self.events,
            skipped=sum(self.skipped.values()),
            errors=sum(self.errors.values()),
            skipped_by_reason=MappingProxyType(dict(sorted(self.skipped.items()))),
            errors_by_reason=MappingProxyType(dict(sorted(self.errors.items()))),
            first_errors=tuple(sorted(self.samples, key=lambda e: e.line)),
            fallback=self.fallback,
        )
