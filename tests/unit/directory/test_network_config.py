"""The networks file and lease feeds: read right, bad ones named by file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.directory import (
    Building,
    Directory,
    NetworkKind,
    Person,
    load_networks,
    parse_dhcpd_leases,
    parse_lease_csv,
    parse_networks,
    read_lease_csv,
)
from boardline.directory.lease_feed import FOREVER
from boardline.model.errors import InputError, Place
from boardline.policy.pack import Role

GOOD = """\
networks:
  - name: district
    cidr: 127.10.0.0/16
    kind: district_managed
  - name: cbhs-byod
    cidr: 127.20.1.0/24
    kind: staff_byod
    building: cbhs
  - name: v6-guest
    cidr: 2001:db8::/32
    kind: guest
devices:
  - id: laptop-1
    owner: mrivera
    managed: true
    addresses: [127.10.1.10, "2001:db8::10"]
    macs: ["02-CB-0A-01-01-0A"]
  - id: cart-1
    managed: true
"""

DIRECTORY = Directory.build(
    [Building("cbhs", "Cut Bank High School", "school")],
    [Person("t1", "mrivera", Role.STAFF, "Maria", "Rivera", None, ("cbhs",))],
)


def test_good_file() -> None:
    nmap = parse_networks(GOOD, "networks.yaml")
    assert [n.name for n in nmap.networks] == ["district", "cbhs-byod", "v6-guest"]
    assert nmap.networks[1].kind is NetworkKind.STAFF_BYOD
    assert nmap.networks[1].building == "cbhs"
    laptop = nmap.device("laptop-1")
    assert laptop is not None
    assert laptop.owner == "mrivera"
    assert laptop.macs == ("02:cb:0a:01:01:0a",)
    assert nmap.device_at("2001:DB8::10") == laptop
    assert nmap.device("cart-1").owner is None  # type: ignore[union-attr]


def test_owners_become_ids_with_a_directory() -> None:
    nmap = parse_networks(GOOD, "networks.yaml", DIRECTORY)
    assert nmap.device("laptop-1").owner == "t1"  # type: ignore[union-attr]


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "networks.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert len(load_networks(path).networks) == 3
    with pytest.raises(InputError) as info:
        load_networks(tmp_path / "missing.yaml")
    assert info.value.problems[0].place.file == str(tmp_path / "missing.yaml")


def _problems(text: str, directory: Directory | None = None) -> list[tuple[Place, str]]:
    with pytest.raises(InputError) as info:
        parse_networks(text, "networks.yaml", directory)
    return [(p.place, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("cidr: 127.10.0.0/16", "cidr: 127.10.0.1/16", 3, "networks[0].cidr", "has host bits set"),
        ("cidr: 127.10.0.0/16", "cidr: 127.10.0.0/33", 3, "networks[0].cidr", "is not a network"),
        (
            "kind: district_managed",
            "kind: district",
            4,
            "networks[0].kind",
            "'district' is not one of",
        ),
        (
            "cidr: 127.20.1.0/24",
            "cidr: 127.10.0.0/16",
            6,
            "networks[1].cidr",
            "already used on line 3",
        ),
        ("name: cbhs-byod", "name: district", 5, "networks[1].name", "already used on line 2"),
        (
            "    managed: true\n    addresses",
            "    managed: yes-ish\n    addresses",
            15,
            "devices[0].managed",
            "managed is required",
        ),
        ("[127.10.1.10,", "[127.10.1.300,", 16, "devices[0].addresses[0]", "is not an IP address"),
        ('["02-CB-0A-01-01-0A"]', '["02-CB-0A"]', 17, "devices[0].macs[0]", "is not a MAC address"),
        ("  - id: cart-1", "  - id: laptop-1", 18, "devices[1].id", "already used on line 13"),
        (
            "    owner: mrivera",
            "    owner: mrivera\n    color: red",
            15,
            "devices[0].color",
            "unknown field 'color'",
        ),
        ("devices:", "gadgets: []\ndevices:", 12, "gadgets", "unknown section 'gadgets'"),
    ],
)
def test_errors_name_line_and_field(
    old: str, new: str, line: int, field: str, message: str
) -> None:
    assert old in GOOD
    (found,) = _problems(GOOD.replace(old, new, 1))
    place, text = found
    assert (place.file, place.line, place.field) == ("networks.yaml", line, field)
    assert message in text


def test_unknown_owner_and_building_with_a_directory() -> None:
    text = GOOD.replace("owner: mrivera", "owner: nobody").replace(
        "building: cbhs", "building: cbes"
    )
    assert _problems(text, DIRECTORY) == [
        (Place("networks.yaml", 8, None, "networks[1].building"), "unknown building 'cbes'"),
        (Place("networks.yaml", 14, None, "devices[0].owner"), "unknown person 'nobody'"),
    ]


def test_not_a_mapping() -> None:
    assert _problems("- just\n- a list\n") == [
        (Place("networks.yaml", 1, None, None), "expected a mapping with networks and devices")
    ]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_a_network_file_or_an_input_error(text: str) -> None:
    try:
        parse_networks(text, "fuzz.yaml")
    except InputError as exc:
        problems = exc.problems
    else:
        return
    assert problems


# -- lease CSV --------------------------------------------------------------------------------

LEASES = """\
address,username,start,end,source,mac
127.30.1.8,lily.baker,2026-09-01T08:00:00Z,2026-09-01T15:00:00Z,portal,
127.30.1.9,,2026-09-01T02:00:00-06:00,2026-09-01T09:00:00-06:00,,02:cb:0a:01:01:99
"""


def test_lease_csv(tmp_path: Path) -> None:
    path = tmp_path / "leases.csv"
    path.write_text(LEASES, encoding="utf-8")
    first, second = read_lease_csv(path)
    assert first.person == "lily.baker"
    assert first.start == dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
    assert first.source == "portal"
    assert second.person is None
    assert second.start == dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
    assert second.source == "leases.csv"
    assert second.mac == "02:cb:0a:01:01:99"


def test_lease_csv_errors() -> None:
    text = LEASES + "127.30.1.300,x,2026-09-01T08:00:00,2026-09-01T07:00:00Z,portal,\n"
    text += "127.30.1.10,x,2026-09-01T08:00:00Z,2026-09-01T07:00:00Z,portal,\n"
    with pytest.raises(InputError) as info:
        parse_lease_csv(text, "leases.csv")
    assert [(p.place, p.message) for p in info.value.problems] == [
        (Place("leases.csv", 4, 1, "address"), "'127.30.1.300' is not an IP address"),
        (
            Place("leases.csv", 4, 3, "start"),
            "'2026-09-01T08:00:00' has no UTC offset (add Z or +00:00)",
        ),
        (Place("leases.csv", 5, 4, "end"), "is not after start"),
    ]


# -- dhcpd.leases -----------------------------------------------------------------------------

DHCPD = """\
# The format of this file is documented in the dhcpd.leases(5) manual page.
authoring-byte-order little-endian;
server-duid "\\000\\001";

lease 127.30.1.20 {
  starts 2 2026/09/01 14:00:00;
  ends 2 2026/09/01 22:00:00;
  cltt 2 2026/09/01 14:00:00;
  binding state active;
  next binding state free;
  hardware ethernet 02:cb:0a:01:01:99;
  client-hostname "chromebook-7"; # a comment
}
lease 127.30.1.21 {
  starts epoch 1788271200; # Tue Sep 01 14:00:00 2026
  ends never;
  binding state active;
}
lease 127.30.1.22 {
  starts 2 2026/09/01 10:00:00;
  ends 2 2026/09/01 11:00:00;
  binding state free;
  hardware ethernet 02:cb:0a:01:01:98;
}
failover peer "dhcp" state {
  my state normal at 2 2026/09/01 10:00:00;
}
"""


def test_dhcpd_leases() -> None:
    first, second = parse_dhcpd_leases(DHCPD, "dhcpd.leases")
    assert first.address == "127.30.1.20"
    assert first.start == dt.datetime(2026, 9, 1, 14, tzinfo=dt.UTC)
    assert first.end == dt.datetime(2026, 9, 1, 22, tzinfo=dt.UTC)
    assert first.mac == "02:cb:0a:01:01:99"
    assert first.source == "dhcpd"
    assert second.start == dt.datetime(2026, 9, 1, 14, tzinfo=dt.UTC)
    assert second.end == FOREVER


def test_dhcpd_errors() -> None:
    bad = (
        "lease 127.30.1.23 {\n  starts 2 2026/13/01 10:00:00;\n  ends 2 2026/09/01 11:00:00\n"
        "}\nlease 127.30.1.24 {\n"
    )
    with pytest.raises(InputError) as info:
        parse_dhcpd_leases(bad, "dhcpd.leases")
    assert [(p.place.line, p.message) for p in info.value.problems] == [
        (2, "starts: '2 2026/13/01 10:00:00' is not a time"),
        (3, "expected ';' at the end of 'ends 2 2026/09/01 11:00:00'"),
        (1, "lease 127.30.1.23 has no starts time"),
        (5, "lease 127.30.1.24 is not closed with }"),
    ]
