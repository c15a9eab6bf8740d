"""The ICAP block page's summary: kinds, counts and people, assets by the district's name."""

from __future__ import annotations

from boardline.enforcement.icap.block_page import summarise
from boardline.model.events import Finding


def test_assets_are_named_by_their_label_and_values_never_appear() -> None:
    findings = (
        Finding("district_document", 0.9, asset="doc-3f9a", evidence="chars 10-400"),
        Finding("student_record", 0.95, evidence="id ***47 near name", people=3),
    )
    labels = {"doc-3f9a": "staff handbook 2026"}

    lines = summarise(findings, lambda asset: labels.get(asset, asset))

    assert any("staff handbook 2026" in line for line in lines)
    assert not any("doc-3f9a" in line for line in lines)
    assert any("about 3 people" in line for line in lines)
    assert not any("***47" in line for line in lines)


def test_without_labels_the_asset_id_is_shown() -> None:
    lines = summarise((Finding("district_logo", 0.97, asset="logo-1ce5"),))

    assert len(lines) == 1
    assert lines[0].endswith(": 1 finding (logo-1ce5)")
