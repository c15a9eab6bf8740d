"""One entry point for every scanner: what district material is in this upload or field?

Enforcement points (the ICAP service, ``POST /v1/scans``, ``boardline scan``) hold bytes
and a name, not an idea of which scanner applies. :class:`Inspector` decides that once:

* a picture (recognised by its magic bytes; a client's name or media type is not
  trusted) goes to the image scanner and nowhere else — its bytes are not text;
* anything else is extracted to text once (:func:`~boardline.inspection.extract.extract_text`)
  and that text goes to the document scanner and the confidential-data scanner;
* a form field or a JSON string is already text: :meth:`Inspector.inspect_text`.

Each scanner is optional, because a district may not have registered pictures or
documents yet, or have no roster loaded; a missing scanner simply finds nothing.

**Bad input.** Unreadable, oversized or corrupt uploads raise
:class:`~boardline.model.errors.InputError` naming the file and field — never a library
exception. The caller decides what an unreadable upload means for its fail mode: the
ICAP service may block or allow it by its setting, the API answers 422, and
:func:`unreadable_finding` turns the error into a :class:`Finding` of kind
``unreadable`` for a caller that wants it on the record. Error messages name the
file and the problem, never the content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from boardline.inspection.confidential import ConfidentialScanner
from boardline.inspection.document_scanner import DocumentScanner
from boardline.inspection.extract import DEFAULT_LIMITS, ExtractLimits, extract_text
from boardline.inspection.image_scanner import ImageScanner
from boardline.model.errors import InputError
from boardline.model.events import ContentPost, Finding, Subject

_Scan = Callable[[], tuple[Finding, ...]]

#: The finding kind a caller records for an upload no scanner could read.
UNREADABLE = "unreadable"

#: Magic bytes of the picture formats the image scanner opens (see ``normalise.FORMATS``).
_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
)


def is_image(data: bytes) -> bool:
    """Whether ``data`` starts like a picture the image scanner reads (WebP included)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data.startswith(_IMAGE_MAGIC)


class Inspector:
    """Runs the district's scanners over an upload; immutable, shareable between threads."""

    __slots__ = ("confidential", "documents", "images", "labels", "limits")

    def __init__(
        self,
        *,
        images: ImageScanner | None = None,
        documents: DocumentScanner | None = None,
        confidential: ConfidentialScanner | None = None,
        limits: ExtractLimits = DEFAULT_LIMITS,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.images = images
        self.documents = documents
        self.confidential = confidential
        self.limits = limits
        #: People's names for registered assets ("staff handbook 2026"), by asset id.
        self.labels: Mapping[str, str] = dict(labels or {})

    def label(self, asset_id: str) -> str:
        """The district's own name for an asset, for pages staff read; the id if unnamed."""
        return self.labels.get(asset_id) or asset_id

    @property
    def revision(self) -> str:
        """Every scanner's revision: which registry, index and roster a finding came from."""
        parts = [
            s.revision for s in (self.images, self.documents, self.confidential) if s is not None
        ]
        return "; ".join(parts) or "no scanners"

    def inspect(self, data: bytes, name: str, media_type: str | None = None) -> tuple[Finding, ...]:
        """Findings for one upload, strongest first; :class:`InputError` if it cannot be read."""
        if is_image(data):
            images = self.images
            return () if images is None else _guarded(name, lambda: images.scan(data, name))
        if self.documents is None and self.confidential is None:
            return ()

        def scan() -> tuple[Finding, ...]:
            extracted = extract_text(data, name, media_type=media_type, limits=self.limits)
            found: list[Finding] = []
            if self.documents is not None:
                found.extend(self.documents.scan_extracted(extracted))
            if self.confidential is not None:
                found.extend(self.confidential.scan_text(extracted.text))
            return _ranked(found)

        return _guarded(name, scan)

    def inspect_text(self, text: str, name: str) -> tuple[Finding, ...]:
        """Findings for a form field or JSON string (``name`` says which, for errors)."""

        def scan() -> tuple[Finding, ...]:
            found: list[Finding] = []
            if self.documents is not None:
                found.extend(self.documents.scan_text(text))
            if self.confidential is not None:
                found.extend(self.confidential.scan_text(text))
            return _ranked(found)

        return _guarded(name, scan)


def _ranked(found: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(found, key=lambda f: (-f.confidence, f.kind, f.asset or "")))


def _guarded(name: str, scan: _Scan) -> tuple[Finding, ...]:
    """Run a scan; anything but an InputError becomes one, so bad input never crashes a server.

    The scanners already turn what they expect into InputError; this is the backstop for
    what a decoder raises that nobody foresaw. Only the exception's *type* is kept: a
    library's message may quote the content being scanned.
    """
    try:
        return scan()
    except InputError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RuntimeError,
            MemoryError, RecursionError, OSError) as error:  # fmt: skip
        msg = f"the upload could not be scanned ({type(error).__name__})"
        raise InputError.at(name, msg, field="content") from None


def unreadable_finding(error: InputError, scanner: str = "inspector/1") -> Finding:
    """A finding that records an upload no scanner could read, for a caller's fail mode."""
    return Finding(kind=UNREADABLE, confidence=1.0, evidence=str(error), scanner=scanner)


def content_post(
    subject: Subject,
    host: str,
    path: str,
    findings: Iterable[Finding],
    event_id: str = "",
) -> ContentPost:
    """The event the engine decides for a post carrying ``findings`` (pure, no I/O)."""
    return ContentPost(
        subject=subject, host=host.lower(), path=path, findings=tuple(findings), event_id=event_id
    )


__all__ = [
    "UNREADABLE",
    "Inspector",
    "content_post",
    "is_image",
    "unreadable_finding",
]
