"""The district asset registry on SQL: what the district owns, kept as fingerprints only.

One row of ``assets`` per registered thing, with who added it and when, the content
hash of the file (``revision``), what computed its fingerprint (``fingerprinting``) and
the fingerprint itself as one blob:

* **logo / photo** — the picture's PDQ hashes and keypoint views
  (:class:`~boardline.inspection.assets.ImageFingerprints`) in a raw little-endian layout,
  zlib-compressed (``BLI1``). Not :meth:`AssetRegistry.encode`'s ``.npz``: that is a whole
  registry and takes about a millisecond to open, and a scanner starting with 10,000
  photos would spend ten seconds opening zip archives; this layout is read with
  ``np.frombuffer`` after one inflate. ORB descriptors are random bits and do not compress,
  so the blob is about 40 KB a photo either way (``bench`` figures in ``docs/inspection.md``).
* **document** — the sorted, unique winnowing fingerprints of its extracted text
  (``uint64``), never the text: about 8 bytes per fingerprint, a few KB a document.
* **data_source** — a staff-provided list (SSNs of record) as HMAC-SHA256 digests under
  the district salt, each with its owner's id (:class:`SaltedValues`), and a check value
  of the salt so a store read with another salt says so instead of matching nothing.

An asset's id is its kind and content hash, so registering the same file twice is
recognised; removal stamps ``removed_at`` and keeps the row. :meth:`SqlAssetStore.revision`
changes whenever the set of active assets does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Row, func, select, update

from boardline.inspection.assets import (
    Asset,
    AssetKind,
    AssetRegistry,
    ImageFingerprints,
    content_revision,
    fingerprint_image,
    fingerprinting_revision,
)
from boardline.inspection.confidential_values import SaltedValues
from boardline.inspection.document_index import DocumentIndex, DocumentIndexBuilder
from boardline.inspection.extract import extract_text
from boardline.inspection.image_hash import HASH_WORDS
from boardline.inspection.image_keypoints import (
    DESCRIPTOR_BYTES,
    THUMB,
    KeypointConfig,
    KeypointView,
)
from boardline.inspection.winnow import Fingerprinter
from boardline.model.errors import InputError
from boardline.storage import tables as t
from boardline.storage.database import (
    StorageError,
    translated,
    write_options,
)
from boardline.storage.sql_store import SqlStore

_IMAGE_MAGIC = b"BLI1"
_VALUES_FORMAT = "boardline-salted/1"
#: Kinds of staff-provided value lists ``add_values`` accepts.
VALUE_KINDS = ("ssn",)


@dataclass(frozen=True, slots=True)
class StoredAsset:
    """One registered asset as listed: never its fingerprint."""

    id: str
    kind: AssetKind
    label: str
    added_by: str
    added_at: dt.datetime
    revision: str
    fingerprinting: str
    size: int
    removed_at: dt.datetime | None = None
    removed_by: str | None = None

    def as_asset(self) -> Asset:
        return Asset(self.id, self.kind, self.label, self.revision)


@dataclass(frozen=True, slots=True)
class Added:
    """What an ``add_*`` call did: ``new`` False when the same content was already active."""

    asset: StoredAsset
    new: bool


def asset_id(kind: AssetKind | str, revision: str) -> str:
    return f"{AssetKind(kind).value}-{revision}"


def salt_check(salt: bytes) -> str:
    """A short value that tells two salts apart without revealing either."""
    return hmac.new(salt, b"boardline salt check", hashlib.sha256).hexdigest()[:12]


class SqlAssetStore(SqlStore):
    """Registered assets in the database at ``url`` (schema migrated on open)."""

    # -- registering -----------------------------------------------------------------------

    def add_picture(
        self,
        kind: AssetKind,
        data: bytes,
        name: str,
        *,
        label: str,
        by: str,
        at: dt.datetime,
        config: KeypointConfig | None = None,
    ) -> Added:
        """Fingerprint and register a logo or photo (InputError if it cannot be read)."""
        config = config or KeypointConfig()
        revision = content_revision(data)
        asset = Asset(asset_id(kind, revision), kind, label, revision)
        fingerprinting = fingerprinting_revision(config)
        found = self._active(asset.id)
        if found is not None and found.fingerprinting == fingerprinting:
            return Added(found, new=False)
        # New, or registered by an older fingerprinting the scanner no longer reads:
        # registering the same file again is how a district refreshes it.
        blob = encode_image(fingerprint_image(asset, data, name, config))
        return self._insert(asset, blob, fingerprinting, by, at)

    def add_document(
        self,
        data: bytes,
        name: str,
        *,
        label: str,
        by: str,
        at: dt.datetime,
        fingerprinter: Fingerprinter | None = None,
    ) -> Added:
        """Extract a document's text and register its winnowing fingerprints (not the text)."""
        fingerprinter = fingerprinter or Fingerprinter()
        revision = content_revision(data)
        asset = Asset(asset_id(AssetKind.DOCUMENT, revision), AssetKind.DOCUMENT, label, revision)
        found = self._active(asset.id)
        if found is not None and found.fingerprinting == fingerprinter.revision:
            return Added(found, new=False)
        text = extract_text(data, name).text
        hashes = np.unique(fingerprinter.fingerprints(text).hashes.astype(np.uint64))
        if len(hashes) == 0:
            raise InputError.at(name, "no text to recognise the document by", field="text")
        blob = hashes.astype("<u8").tobytes()
        return self._insert(asset, blob, fingerprinter.revision, by, at)

    def add_values(
        self,
        values: SaltedValues,
        salt: bytes,
        *,
        kind: str,
        label: str,
        by: str,
        at: dt.datetime,
    ) -> Added:
        """Register a list of salted digests (the clear values never reach this method)."""
        if kind not in VALUE_KINDS:
            raise InputError.at("assets", f"unknown value kind {kind!r}", field="kind")
        if len(values) == 0:
            raise InputError.at("assets", "the list holds no values", field="values")
        digests = sorted((d.hex(), owner) for d, owner in values.digests().items())
        blob = json.dumps({"format": _VALUES_FORMAT, "kind": kind, "digests": digests}).encode()
        revision = content_revision(blob)
        asset = Asset(asset_id(AssetKind.DATA_SOURCE, revision), AssetKind.DATA_SOURCE, label,
                      revision)  # fmt: skip
        found = self._active(asset.id)
        if found is not None:
            return Added(found, new=False)
        fingerprinting = f"{_VALUES_FORMAT} {kind} hmac-sha256 salt={salt_check(salt)}"
        return self._insert(asset, blob, fingerprinting, by, at)

    def remove(self, asset: str, *, by: str, at: dt.datetime) -> StoredAsset | None:
        """Mark an active asset removed; None when there is no such active asset."""
        with (
            translated(self.url, "remove an asset"),
            self._engine.connect().execution_options(**write_options(self._engine)) as connection,
            connection.begin(),
        ):
            done = connection.execute(
                update(t.assets)
                .where(t.assets.c.id == asset, t.assets.c.removed_at.is_(None))
                .values(removed_at=at, removed_by=by)
            )
        if done.rowcount == 0:
            return None
        return next((a for a in self.list(include_removed=True) if a.id == asset), None)

    # -- reading ---------------------------------------------------------------------------

    def list(self, *, include_removed: bool = False) -> list[StoredAsset]:
        """Registered assets in registration order (active ones only unless asked)."""
        size = _blob_size()
        query = select(*_LISTED, size).order_by(t.assets.c.added_at, t.assets.c.id)
        if not include_removed:
            query = query.where(t.assets.c.removed_at.is_(None))
        with translated(self.url, "list assets"), self._engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query)]

    def revision(self) -> str:
        """Changes whenever an asset is added or removed."""
        digest = hashlib.sha256()
        for asset in self.list():
            digest.update(f"{asset.id}\0{asset.fingerprinting}\0".encode())
        return digest.hexdigest()[:16]

    def registry(self) -> AssetRegistry:
        """Every active asset, with the fingerprints of the pictures, for the image scanner."""
        assets: list[Asset] = []
        images: list[ImageFingerprints] = []
        fingerprinting = {""}
        for row in self._rows():
            stored = _stored(row)
            assets.append(stored.as_asset())
            if stored.kind in (AssetKind.LOGO, AssetKind.PHOTO):
                images.append(decode_image(row.fingerprint, stored.id))
                fingerprinting.add(stored.fingerprinting)
        fingerprinting.discard("")
        if len(fingerprinting) > 1:
            msg = f"pictures fingerprinted differently ({', '.join(sorted(fingerprinting))})"
            raise StorageError(self.url, f"{msg}: register them again")
        return AssetRegistry(tuple(assets), tuple(images), next(iter(fingerprinting), ""))

    def document_index(
        self, fingerprinter: Fingerprinter | None = None, **build: Any
    ) -> DocumentIndex | None:
        """The registered documents' index, or None when none are registered."""
        fingerprinter = fingerprinter or Fingerprinter()
        builder = DocumentIndexBuilder(fingerprinter)
        count = 0
        for row in self._rows(AssetKind.DOCUMENT):
            if row.fingerprinting != fingerprinter.revision:
                msg = f"{row.id} was fingerprinted as {row.fingerprinting}, not "
                raise StorageError(self.url, msg + f"{fingerprinter.revision}: register it again")
            if len(row.fingerprint) % 8:
                raise StorageError(self.url, f"{row.id}: fingerprint blob is not uint64s")
            builder.add_fingerprints(row.id, np.frombuffer(row.fingerprint, "<u8"))
            count += 1
        return builder.build(**build) if count else None

    def salted_values(self, kind: str, salt: bytes) -> SaltedValues | None:
        """Every registered list of ``kind`` as one set, or None when there is none."""
        check = salt_check(salt)
        digests: dict[bytes, str] = {}
        lists = 0
        for row in self._rows(AssetKind.DATA_SOURCE):
            parts = str(row.fingerprinting).split()
            if len(parts) < 2 or parts[0] != _VALUES_FORMAT or parts[1] != kind:
                continue
            if f"salt={check}" not in parts:
                msg = f"{row.id} was hashed with another salt: add the list again"
                raise StorageError(self.url, msg)
            try:
                body = json.loads(row.fingerprint)
                for digest, owner in body["digests"]:
                    digests[bytes.fromhex(digest)] = str(owner)
            except (ValueError, KeyError, TypeError):
                raise StorageError(self.url, f"{row.id}: malformed value list") from None
            lists += 1
        if not lists:
            return None
        return SaltedValues(salt, digests, name=f"{kind}-of-record")

    def _active(self, asset: str) -> StoredAsset | None:
        query = select(*_LISTED, _blob_size()).where(
            t.assets.c.id == asset, t.assets.c.removed_at.is_(None)
        )
        with translated(self.url, "read an asset"), self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _stored(row)

    def _rows(self, kind: AssetKind | None = None) -> Iterable[Row[Any]]:
        query = (
            select(t.assets)
            .where(t.assets.c.removed_at.is_(None))
            .order_by(t.assets.c.added_at, t.assets.c.id)
        )
        if kind is not None:
            query = query.where(t.assets.c.kind == kind.value)
        with translated(self.url, "read the assets"), self._engine.connect() as connection:
            return list(connection.execute(query))

    def _insert(
        self, asset: Asset, blob: bytes, fingerprinting: str, by: str, at: dt.datetime
    ) -> Added:
        with (
            translated(self.url, "register an asset"),
            self._engine.connect().execution_options(**write_options(self._engine)) as connection,
            connection.begin(),
        ):
            # A removed asset registered again gets its row back, stamped anew.
            connection.execute(t.assets.delete().where(t.assets.c.id == asset.id))
            connection.execute(
                t.assets.insert().values(
                    id=asset.id,
                    kind=asset.kind.value,
                    label=asset.label,
                    added_by=by,
                    added_at=at,
                    revision=asset.revision,
                    fingerprinting=fingerprinting,
                    fingerprint=blob,
                )
            )
        stored = StoredAsset(asset.id, asset.kind, asset.label, by, at, asset.revision,
                             fingerprinting, len(blob))  # fmt: skip
        return Added(stored, new=True)


_LISTED = (
    t.assets.c.id,
    t.assets.c.kind,
    t.assets.c.label,
    t.assets.c.added_by,
    t.assets.c.added_at,
    t.assets.c.revision,
    t.assets.c.fingerprinting,
    t.assets.c.removed_at,
    t.assets.c.removed_by,
)


def _blob_size() -> Any:
    return func.length(t.assets.c.fingerprint).label("size")


def _stored(row: Any) -> StoredAsset:
    return StoredAsset(
        id=row.id,
        kind=AssetKind(row.kind),
        label=row.label,
        added_by=row.added_by,
        added_at=row.added_at,
        revision=row.revision,
        fingerprinting=row.fingerprinting,
        size=int(getattr(row, "size", None) or len(getattr(row, "fingerprint", b""))),
        removed_at=row.removed_at,
        removed_by=row.removed_by,
    )


# -- the picture fingerprint codec -----------------------------------------------------------


def encode_image(found: ImageFingerprints) -> bytes:
    """One picture's fingerprints as ``BLI1`` + header length + JSON header + raw arrays."""
    header = {
        "quality": found.quality,
        "hashes": len(found.pdq),
        "views": [
            {"w": v.width, "h": v.height, "mirrored": v.mirrored, "n": len(v.points)}
            for v in found.views
        ],
    }
    parts: list[bytes] = [np.ascontiguousarray(found.pdq, "<u8").tobytes()]
    for view in found.views:
        parts.append(np.ascontiguousarray(view.points, "<f4").tobytes())
        parts.append(np.ascontiguousarray(view.descriptors, np.uint8).tobytes())
        parts.append(np.ascontiguousarray(view.thumb, np.uint8).tobytes())
        parts.append(np.ascontiguousarray(view.mask, np.uint8).tobytes())
    encoded = json.dumps(header, separators=(",", ":")).encode()
    body = zlib.compress(b"".join(parts), 6)
    return _IMAGE_MAGIC + struct.pack("<I", len(encoded)) + encoded + body


def decode_image(blob: bytes, asset: str) -> ImageFingerprints:
    """Read :func:`encode_image`'s output; StorageError-free: InputError naming the asset."""

    def bad(message: str) -> InputError:
        return InputError.at(f"asset {asset}", message, field="fingerprint")

    if blob[:4] != _IMAGE_MAGIC or len(blob) < 8:
        raise bad("not a picture fingerprint")
    (length,) = struct.unpack("<I", blob[4:8])
    try:
        header = json.loads(blob[8 : 8 + length])
        raw = zlib.decompress(blob[8 + length :])
        offset = 0

        def take(count: int, dtype: str, shape: Sequence[int]) -> np.ndarray:
            nonlocal offset
            size = int(np.dtype(dtype).itemsize) * count
            if count < 0 or offset + size > len(raw):
                raise bad("the arrays are shorter than the header says")
            array = np.frombuffer(raw, dtype, count, offset).reshape(shape)
            offset += size
            return array.astype(array.dtype.newbyteorder("="), copy=False)

        hashes = int(header["hashes"])
        pdq = take(hashes * HASH_WORDS, "<u8", (hashes, HASH_WORDS)).astype(np.uint64)
        views = []
        for view in header["views"]:
            n = int(view["n"])
            views.append(
                KeypointView(
                    take(n * 2, "<f4", (n, 2)).astype(np.float32),
                    take(n * DESCRIPTOR_BYTES, "u1", (n, DESCRIPTOR_BYTES)),
                    int(view["w"]),
                    int(view["h"]),
                    bool(view["mirrored"]),
                    take(THUMB * THUMB, "u1", (THUMB, THUMB)),
                    take(THUMB * THUMB, "u1", (THUMB, THUMB)),
                )
            )
        if offset != len(raw):
            raise bad("the arrays are longer than the header says")
        return ImageFingerprints(asset, pdq, int(header["quality"]), tuple(views))
    except InputError:
        raise
    except (ValueError, KeyError, TypeError, zlib.error) as error:
        raise bad(f"malformed: {type(error).__name__}") from None


__all__ = [
    "VALUE_KINDS",
    "Added",
    "SqlAssetStore",
    "StoredAsset",
    "asset_id",
    "decode_image",
    "encode_image",
    "salt_check",
]
