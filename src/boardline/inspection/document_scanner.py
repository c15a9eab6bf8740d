"""The document scanner: is a registered district document (or a piece of one) in this upload?

It extracts the upload's text (:mod:`boardline.inspection.extract`), looks its
winnowing fingerprints up in the :class:`DocumentIndex` and turns each match
into a :class:`~boardline.model.events.Finding` of kind ``district_document``
naming the asset, with character offsets in the extracted text as evidence
(never the text itself: a registered document may be confidential) and the
scanner's revision, which changes with the index, so a decision records which
set of registered documents it was made against.
"""

from __future__ import annotations

from boardline.inspection.document_index import DocumentIndex, DocumentMatch
from boardline.inspection.extract import DEFAULT_LIMITS, ExtractedText, ExtractLimits, extract_text
from boardline.model.events import Finding, FindingKind

#: Spans listed in a finding's evidence before the rest are only counted.
_SHOWN_SPANS = 5


class DocumentScanner:
    """Finds registered documents in text and uploads; holds one immutable index."""

    __slots__ = ("index", "limits")

    def __init__(self, index: DocumentIndex, *, limits: ExtractLimits = DEFAULT_LIMITS) -> None:
        self.index = index
        self.limits = limits

    @property
    def revision(self) -> str:
        return f"documents/1 {self.index.revision}"

    def scan_upload(
        self, data: bytes, name: str, *, media_type: str | None = None
    ) -> tuple[Finding, ...]:
        """Extract and scan one upload; :class:`InputError` when it cannot be read."""
        extracted = extract_text(data, name, media_type=media_type, limits=self.limits)
        return self.scan_extracted(extracted)

    def scan_extracted(self, extracted: ExtractedText) -> tuple[Finding, ...]:
        found = self.scan_text(extracted.text)
        if not extracted.truncated:
            return found
        return tuple(
            Finding(
                kind=f.kind,
                confidence=f.confidence,
                asset=f.asset,
                evidence=f"{f.evidence} (text cut at {len(extracted.text)} characters)",
                scanner=f.scanner,
            )
            for f in found
        )

    def scan_text(self, text: str) -> tuple[Finding, ...]:
        return tuple(self._finding(match) for match in self.index.match(text))

    def _finding(self, match: DocumentMatch) -> Finding:
        return Finding(
            kind=FindingKind.DISTRICT_DOCUMENT.value,
            confidence=match.confidence,
            asset=match.asset,
            evidence=describe(match),
            scanner=self.revision,
        )


def describe(match: DocumentMatch) -> str:
    """Evidence as offsets and proportions: where the copied text is, not what it says."""
    shown = ", ".join(f"{start}-{end}" for start, end in match.spans[:_SHOWN_SPANS])
    more = len(match.spans) - _SHOWN_SPANS
    if more > 0:
        shown += f" and {more} more"
    return (
        f"characters {shown} ({match.matched_chars} characters) share {match.shared} "
        f"fingerprints with {match.asset}: {match.containment:.0%} of the scanned text's, "
        f"{match.coverage:.0%} of the document's"
    )
