"""The asset store on SQLite and PostgreSQL: fingerprints in, scanners that find the assets out.

Each test runs against both databases (the ``db_url`` fixture of this folder).
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from boardline.inspection.assets import Asset, AssetKind, fingerprint_image
from boardline.inspection.confidential_values import SaltedValues
from boardline.inspection.document_scanner import DocumentScanner
from boardline.inspection.image_scanner import ImageScanner
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.logo_art import cut_bank_crest
from boardline.model.errors import InputError
from boardline.storage import SqlAssetStore, StorageError
from boardline.storage.asset_store import decode_image, encode_image
from boardline.storage.database import open_engine
from boardline.storage.tables import metadata
from tests.unit.inspection.documents import document

T0 = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)
SALT = b"district-salt-for-tests-0001"
HANDBOOK = document(5460, 1500)


def _png() -> bytes:
    out = io.BytesIO()
    cut_bank_crest(400).save(out, "PNG")
    return out.getvalue()


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    synthetic_photo(seed, (640, 480)).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def store(db_url: str) -> SqlAssetStore:
    return SqlAssetStore(db_url)


def test_pictures_round_trip_into_a_scanner_that_finds_them(store: SqlAssetStore) -> None:
    logo, photo = _png(), _jpeg(3)
    added = store.add_picture(AssetKind.LOGO, logo, "crest.png", label="Crest", by="jc", at=T0)
    assert added.new
    assert added.asset.id.startswith("logo-")
    store.add_picture(AssetKind.PHOTO, photo, "team.jpg", label="Team", by="jc", at=T0)
    registry = store.registry()
    assert [a.label for a in registry.assets] == ["Crest", "Team"]
    scanner = ImageScanner(registry)
    assert [f.asset for f in scanner.scan(logo, "upload.png")] == [added.asset.id]
    assert scanner.scan(_jpeg(99), "holiday.jpg") == ()


def test_the_same_file_twice_is_recognised(store: SqlAssetStore) -> None:
    logo = _png()
    first = store.add_picture(AssetKind.LOGO, logo, "a.png", label="A", by="jc", at=T0)
    again = store.add_picture(AssetKind.LOGO, logo, "b.png", label="B", by="jc", at=T0)
    assert not again.new
    assert again.asset.id == first.asset.id
    assert len(store.list()) == 1


def test_documents_keep_fingerprints_not_text(store: SqlAssetStore, db_url: str) -> None:
    added = store.add_document(HANDBOOK.encode(), "handbook.txt", label="Handbook", by="jc", at=T0)
    assert added.asset.fingerprinting == "winnow/1 k=5 w=4"
    index = store.document_index()
    assert index is not None
    excerpt = " ".join(HANDBOOK.split(" ")[400:470])
    found = DocumentScanner(index).scan_text(excerpt)
    assert [f.asset for f in found] == [added.asset.id]
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            blob = connection.exec_driver_sql("SELECT fingerprint FROM assets").scalar_one()
    finally:
        engine.dispose()
    words = HANDBOOK.split()[100:110]
    assert not [w for w in words if len(w) > 4 and w.encode() in bytes(blob)]
    assert len(blob) % 8 == 0


def test_no_documents_means_no_index(store: SqlAssetStore) -> None:
    assert store.document_index() is None
    assert store.salted_values("ssn", SALT) is None


def test_value_lists_are_salted_digests_and_need_the_same_salt(
    store: SqlAssetStore, db_url: str
) -> None:
    values = SaltedValues.hash_values(SALT, [("123-45-6789", "stu-1"), "222-33-4444"])
    store.add_values(values, SALT, kind="ssn", label="SSNs", by="hr", at=T0)
    loaded = store.salted_values("ssn", SALT)
    assert loaded is not None
    assert loaded.owner("123456789") == "stu-1"
    assert "222-33-4444" in loaded
    assert "555-12-3456" not in loaded
    with pytest.raises(StorageError, match="another salt"):
        store.salted_values("ssn", b"some-other-salt-of-16-bytes")
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT fingerprint, label FROM assets").all()
    finally:
        engine.dispose()
    stored = b"".join(bytes(blob) + label.encode() for blob, label in rows)
    for clear in (b"123-45-6789", b"123456789", b"222334444", b"222-33-4444"):
        assert clear not in stored


def test_an_unknown_value_kind_and_an_empty_list_are_refused(store: SqlAssetStore) -> None:
    values = SaltedValues.hash_values(SALT, ["123-45-6789"])
    with pytest.raises(InputError, match="unknown value kind"):
        store.add_values(values, SALT, kind="phone", label="x", by="hr", at=T0)
    with pytest.raises(InputError, match="no values"):
        store.add_values(SaltedValues(SALT, {}), SALT, kind="ssn", label="x", by="hr", at=T0)


def test_removal_keeps_the_record_and_changes_the_revision(store: SqlAssetStore) -> None:
    added = store.add_document(HANDBOOK.encode(), "h.txt", label="H", by="jc", at=T0)
    before = store.revision()
    later = T0 + dt.timedelta(hours=1)
    removed = store.remove(added.asset.id, by="kd", at=later)
    assert removed is not None
    assert (removed.removed_by, removed.removed_at) == ("kd", later)
    assert store.list() == []
    assert [a.id for a in store.list(include_removed=True)] == [added.asset.id]
    assert store.revision() != before
    assert store.document_index() is None
    assert store.remove(added.asset.id, by="kd", at=later) is None
    # Registering it again brings it back.
    assert store.add_document(HANDBOOK.encode(), "h.txt", label="H", by="jc", at=later).new
    assert store.revision() == before


def test_unreadable_files_are_input_errors(store: SqlAssetStore) -> None:
    with pytest.raises(InputError, match=r"bad\.png"):
        store.add_picture(AssetKind.PHOTO, b"\x89PNG\r\n\x1a\nxx", "bad.png", label="x", by="jc",
                          at=T0)  # fmt: skip
    with pytest.raises(InputError, match="no text"):
        store.add_document(b"   ", "empty.txt", label="x", by="jc", at=T0)
    assert store.list() == []


def test_the_migrated_schema_matches_the_tables(db_url: str) -> None:
    SqlAssetStore(db_url).close()
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_the_picture_codec_round_trips_and_refuses_damage() -> None:
    logo = _png()
    found = fingerprint_image(Asset("logo-x", AssetKind.LOGO, "x", "r"), logo, "x.png")
    back = decode_image(encode_image(found), "logo-x")
    assert back.quality == found.quality
    assert np.array_equal(back.pdq, found.pdq)
    for a, b in zip(back.views, found.views, strict=True):
        assert np.array_equal(a.points, b.points)
        assert np.array_equal(a.descriptors, b.descriptors)
        assert np.array_equal(a.thumb, b.thumb)
        assert (a.width, a.height, a.mirrored) == (b.width, b.height, b.mirrored)
    blob = encode_image(found)
    for damaged in (b"", b"XXXX" + blob[4:], blob[:-40], blob[:30]):
        with pytest.raises(InputError, match="asset logo-x"):
            decode_image(damaged, "logo-x")


def test_a_file_fingerprinted_the_old_way_is_refingerprinted_when_added_again(
    store: SqlAssetStore, db_url: str
) -> None:
    from boardline.storage import tables as t

    logo = _png()
    first = store.add_picture(AssetKind.LOGO, logo, "crest.png", label="Crest", by="jc", at=T0)
    engine = open_engine(db_url)
    with engine.begin() as connection:  # as an older Boardline would have left it
        connection.execute(t.assets.update().values(fingerprinting="pdq512x8+orb640x600L10"))
    engine.dispose()
    with pytest.raises(ValueError, match="register the pictures again"):
        ImageScanner(store.registry())
    again = store.add_picture(AssetKind.LOGO, logo, "crest.png", label="Crest", by="kd", at=T0)
    assert again.new
    assert again.asset.id == first.asset.id
    assert again.asset.fingerprinting == first.asset.fingerprinting
    assert len(store.list()) == 1
    assert [f.asset for f in ImageScanner(store.registry()).scan(logo, "up.png")] == [
        first.asset.id
    ]
