"""Known personal addresses: read with every bad line named, then used to map a trace."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from boardline.audit.readers import load_logs
from boardline.audit.readers.known_addresses import read_known_addresses
from boardline.directory.directory import Directory
from boardline.model.errors import InputError
from tests.unit.audit.readers.conftest import DENVER

TRACE = (
    '"Received","SenderAddress","RecipientAddress","Subject","Status","ToIP","FromIP","Size",'
    '"MessageId","MessageTraceId"\n'
    '"10/8/2026 8:40:00 PM","Maria.Rivera.Home@mail.example",'
    '"noah.hale@students.cutbank.example.org","hey","Delivered","","10.0.0.5","6000",'
    '"<p1@mail.example>","0f1e2d3c-0000-0000-0000-000000000009"\n'
)


def test_a_good_file_maps_lower_cased_addresses_to_directory_ids(
    tmp_path: Path, demo_directory: Directory
) -> None:
    path = tmp_path / "known.csv"
    path.write_text(
        "address,person\n"
        "# declared at the 2026 policy acknowledgment\n"
        "Maria.Rivera.Home@Mail.Example,mrivera\n"
        "\n"
        "tb.coach@mail.example , tbaker\n",
        encoding="utf-8",
    )
    known = read_known_addresses(path, demo_directory)
    mrivera = demo_directory.by_username("mrivera")
    tbaker = demo_directory.by_username("tbaker")
    assert mrivera is not None
    assert tbaker is not None
    assert known == {
        "maria.rivera.home@mail.example": mrivera.id,
        "tb.coach@mail.example": tbaker.id,
    }


def test_every_bad_line_is_named(tmp_path: Path, demo_directory: Directory) -> None:
    path = tmp_path / "known.csv"
    path.write_text(
        "a@mail.example,mrivera\n"
        "not-an-address,mrivera\n"
        "b@mail.example,nobody.here\n"
        "a@mail.example,tbaker\n"
        "c@mail.example\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_known_addresses(path, demo_directory)
    shown = [str(p) for p in caught.value.problems]
    assert shown == [
        f"{path}:2: address: 'not-an-address' is not an e-mail address",
        f"{path}:3: person: 'nobody.here' is not in the directory",
        f"{path}:4: address: a@mail.example is already given to another person",
        f"{path}:5: expected two values: address,person",
    ]


def test_a_missing_file_is_an_input_error(tmp_path: Path, demo_directory: Directory) -> None:
    with pytest.raises(InputError, match="cannot read the known addresses"):
        read_known_addresses(tmp_path / "absent.csv", demo_directory)


def test_a_known_personal_account_turns_an_unmapped_message_into_an_event(
    tmp_path: Path, demo_directory: Directory
) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text(TRACE, encoding="utf-8")
    con = duckdb.connect()
    summary = load_logs(con, [trace], directory=demo_directory, zone=DENVER, fmt="m365")
    assert dict(summary.sources[0].skipped_by_reason) == {"header": 1, "unmapped": 1}
    assert con.execute("SELECT count(*) FROM comm_events").fetchone() == (0,)

    mrivera = demo_directory.by_username("mrivera")
    noah = demo_directory.by_username("noah.hale")
    assert mrivera is not None
    assert noah is not None
    con = duckdb.connect()
    load_logs(
        con,
        [trace],
        directory=demo_directory,
        zone=DENVER,
        fmt="m365",
        known_addresses={"maria.rivera.home@mail.example": mrivera.id},
    )
    rows = con.execute(
        "SELECT staff, student, channel, direction, audience, message_ref FROM comm_events"
    ).fetchall()
    assert rows == [
        (mrivera.id, noah.id, "personal_email", "staff_to_student", "individual",
         "<p1@mail.example>"),
    ]  # fmt: skip
