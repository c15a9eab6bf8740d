"""Whatever users.csv holds, the reader gives a directory or an InputError, never a crash."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.directory import read_oneroster
from boardline.model.errors import InputError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "oneroster"
SETTINGS = settings(max_examples=200, deadline=None)

#: Values likely to hit the interesting paths: known ids, roles, statuses, flags.
TOKENS = st.sampled_from(
    [
        "", "u-t1", "u-s1", "u-p1", "gv-hs", "gv-d", "teacher", "student", "parent",
        "administrator", "wizard", "true", "false", "active", "tobedeleted", "2025-08-27",
        "2025-08-27T00:00:00Z", "0001-01-01T00:00:00+01:00", "x@y", "ahart", "09,10",
        "gv-hs,gv-x", '"', "\r\n", "\x00",
    ]
)  # fmt: skip
FIELDS = st.one_of(TOKENS, st.text(max_size=12))


@contextmanager
def bundle(version: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(shutil.copytree(FIXTURES / version, Path(tmp) / version))


def read_or_input_error(root: Path) -> None:
    try:
        result = read_oneroster(root)
    except InputError as exc:
        problems = exc.problems
    else:
        assert result.directory is not None
        return
    assert problems
    assert all(problem.place.file for problem in problems)


@SETTINGS
@given(raw=st.binary(max_size=600), version=st.sampled_from(["v1p1", "v1p2"]))
def test_arbitrary_bytes_as_users_csv(raw: bytes, version: str) -> None:
    with bundle(version) as root:
        (root / "users.csv").write_bytes(raw)
        read_or_input_error(root)


@SETTINGS
@given(text=st.text(max_size=400), version=st.sampled_from(["v1p1", "v1p2"]))
def test_arbitrary_text_after_the_users_header(text: str, version: str) -> None:
    with bundle(version) as root:
        path = root / "users.csv"
        header = path.read_text(encoding="utf-8").splitlines()[0]
        path.write_text(header + "\n" + text, encoding="utf-8")
        read_or_input_error(root)


@SETTINGS
@given(
    rows=st.lists(st.lists(FIELDS, min_size=0, max_size=20), max_size=6),
    target=st.sampled_from(["users.csv", "enrollments.csv", "orgs.csv", "roles.csv"]),
    version=st.sampled_from(["v1p1", "v1p2"]),
)
def test_arbitrary_extra_rows(rows: list[list[str]], target: str, version: str) -> None:
    with bundle(version) as root:
        path = root / target
        if not path.exists():
            target = "users.csv"
            path = root / target
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(out.getvalue())
        read_or_input_error(root)
