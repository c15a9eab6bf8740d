"""NetworkMap: longest-prefix matching, the order of trust in identify(), lease windows."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.directory import (
    Building,
    Device,
    Directory,
    Lease,
    Network,
    NetworkKind,
    NetworkMap,
    Person,
)
from boardline.policy.pack import Role

UTC = dt.UTC
NOON = dt.datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

NETWORKS = (
    Network("all-loopback", "127.0.0.0/8", NetworkKind.GUEST),
    Network("district", "127.10.0.0/16", NetworkKind.DISTRICT_MANAGED),
    Network("cbhs-district", "127.10.1.0/24", NetworkKind.DISTRICT_MANAGED, "cbhs"),
    Network("printer", "127.10.1.77/32", NetworkKind.DISTRICT_MANAGED, "cbhs"),
    Network("byod", "127.20.0.0/16", NetworkKind.STAFF_BYOD),
    Network("students", "127.30.0.0/16", NetworkKind.STUDENT),
    Network("v6-site", "2001:db8::/32", NetworkKind.GUEST),
    Network("v6-staff", "2001:db8:10::/48", NetworkKind.DISTRICT_MANAGED),
    Network("v6-host", "2001:db8:10::5/128", NetworkKind.STAFF_BYOD),
)


def _person(pid: str, username: str, role: Role = Role.STAFF) -> Person:
    return Person(pid, username, role, username.title(), "Test", f"{username}@d.example", ("cbhs",))


DIRECTORY = Directory.build(
    [Building("cbhs", "Cut Bank High School", "school")],
    [
        _person("t1", "mrivera"),
        _person("t2", "jcarter", Role.ADMINISTRATOR),
        _person("s1", "lily.baker", Role.STUDENT),
    ],
)
DEVICES = (
    Device("laptop-mrivera", "mrivera", True, ("127.10.1.10",), ("02:cb:0a:01:01:0a",)),
    Device("phone-jcarter", "t2", False, ("127.20.1.5",)),
    Device("cart-01", None, True, ("127.10.1.50",)),
    Device("chromebook-7", None, True, (), ("02-CB-0A-01-01-99",)),
)


def _map(leases: tuple[Lease, ...] = ()) -> NetworkMap:
    return NetworkMap.build(NETWORKS, DEVICES, leases)


# -- longest-prefix match ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("127.0.0.1", "all-loopback"),
        ("127.10.0.9", "district"),
        ("127.10.1.9", "cbhs-district"),
        ("127.10.1.77", "printer"),
        ("127.10.1.78", "cbhs-district"),
        ("127.20.255.255", "byod"),
        ("127.30.0.0", "students"),
        ("::ffff:127.10.1.9", "cbhs-district"),
        ("[127.10.1.9]", "cbhs-district"),
        ("2001:db8::1", "v6-site"),
        ("2001:db8:10::4", "v6-staff"),
        ("2001:DB8:10::5", "v6-host"),
        ("[2001:db8:10:ffff::1]", "v6-staff"),
    ],
)
def test_longest_prefix_wins(address: str, name: str) -> None:
    found = _map().network_of(address)
    assert found is not None
    assert found.name == name


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "::1",
        "not-an-address",
        "",
        "127.0.0.256",
        "127.010.1.9",
        "\u0661\u0662\u0667.0.0.1",
        "127.0.0",
    ],
)
def test_no_network(address: str) -> None:
    assert _map().network_of(address) is None


def test_the_same_range_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"127\.10\.0\.0/16"):
        NetworkMap.build([*NETWORKS, Network("again", "127.10.0.0/16", NetworkKind.GUEST)])


@settings(max_examples=200, deadline=None)
@given(value=st.integers(min_value=0, max_value=2**32 - 1))
def test_matches_a_linear_scan(value: int) -> None:
    address = ipaddress.IPv4Address(value)
    expected = None
    best = -1
    for network in NETWORKS:
        net = ipaddress.ip_network(network.cidr)
        if net.version == 4 and address in net and net.prefixlen > best:
            expected, best = network, net.prefixlen
    assert _map().network_of(str(address)) == expected


# -- identify(): the order of trust ------------------------------------------------------------


def test_proxy_login_beats_lease_and_device() -> None:
    lease = Lease(
        "127.10.1.10",
        "s1",
        None,
        NOON - dt.timedelta(hours=1),
        NOON + dt.timedelta(hours=1),
        "portal",
    )
    who = _map((lease,)).identify(
        DIRECTORY, address="127.10.1.10", username="CUTBANK\\jcarter", at=NOON
    )
    assert who.source == "proxy_auth"
    assert who.person is not None
    assert who.person.username == "jcarter"
    assert who.device is not None
    assert who.device.id == "laptop-mrivera"
    assert who.district_equipment is True


def test_unknown_proxy_login_is_not_replaced_by_a_guess() -> None:
    who = _map().identify(DIRECTORY, address="127.10.1.10", username="stranger", at=NOON)
    assert who.source == "proxy_auth"
    assert who.person is None
    assert who.username == "stranger"


def test_dash_means_no_login_and_a_lease_names_the_person() -> None:
    lease = Lease(
        "127.30.4.4",
        "lily.baker",
        None,
        NOON - dt.timedelta(hours=1),
        NOON + dt.timedelta(hours=1),
        "portal",
    )
    who = _map((lease,)).identify(DIRECTORY, address="127.30.4.4", username="-", at=NOON)
    assert who.source == "lease"
    assert who.person is not None
    assert who.person.id == "s1"
    assert who.network is not None
    assert who.network.kind is NetworkKind.STUDENT
    assert who.district_equipment is False


def test_lease_beats_the_static_device_owner() -> None:
    lease = Lease(
        "127.10.1.10",
        "s1",
        None,
        NOON - dt.timedelta(hours=1),
        NOON + dt.timedelta(hours=1),
        "radius",
    )
    who = _map((lease,)).identify(DIRECTORY, address="127.10.1.10", username=None, at=NOON)
    assert (who.source, who.person.id if who.person else None) == ("lease", "s1")


def test_static_device_owner_when_nothing_else() -> None:
    who = _map().identify(DIRECTORY, address="127.10.1.10", username="", at=NOON)
    assert who.source == "device"
    assert who.person is not None
    assert who.person.username == "mrivera"
    assert who.district_equipment is True


def test_personal_device_on_a_district_network_is_not_district_equipment() -> None:
    devices = (Device("own-phone", "t1", False, ("127.10.1.33",)),)
    who = NetworkMap.build(NETWORKS, devices).identify(
        DIRECTORY, address="127.10.1.33", username=None, at=NOON
    )
    assert who.network is not None
    assert who.network.kind is NetworkKind.DISTRICT_MANAGED
    assert who.district_equipment is False


def test_equipment_from_the_network_kind_without_a_device() -> None:
    nmap = _map()
    assert (
        nmap.identify(DIRECTORY, address="127.10.7.7", username=None, at=NOON).district_equipment
        is True
    )
    for address in ("127.20.7.7", "127.30.7.7", "127.99.7.7"):
        assert (
            nmap.identify(DIRECTORY, address=address, username=None, at=NOON).district_equipment
            is False
        )


def test_nothing_known() -> None:
    who = _map().identify(DIRECTORY, address="10.1.2.3", username=None, at=NOON)
    assert (who.person, who.network, who.device, who.district_equipment, who.source) == (
        None,
        None,
        None,
        None,
        "none",
    )
    none_at_all = _map().identify(DIRECTORY, address=None, username=None, at=NOON)
    assert none_at_all.address is None
    assert none_at_all.source == "none"


def test_shared_device_without_owner_names_nobody() -> None:
    who = _map().identify(DIRECTORY, address="127.10.1.50", username=None, at=NOON)
    assert who.person is None
    assert who.source == "none"
    assert who.device is not None
    assert who.district_equipment is True


def test_dhcp_lease_finds_the_device_by_mac() -> None:
    lease = Lease(
        "127.10.1.123",
        None,
        None,
        NOON - dt.timedelta(hours=1),
        NOON + dt.timedelta(hours=1),
        "dhcpd",
        mac="02:cb:0a:01:01:99",
    )
    who = _map((lease,)).identify(DIRECTORY, address="127.10.1.123", username=None, at=NOON)
    assert who.device is not None
    assert who.device.id == "chromebook-7"
    assert who.person is None


def test_addresses_are_normalised() -> None:
    lease = Lease(
        "2001:DB8:0:0::7",
        "t1",
        None,
        NOON - dt.timedelta(hours=1),
        NOON + dt.timedelta(hours=1),
        "portal",
    )
    who = _map((lease,)).identify(DIRECTORY, address="2001:db8::7", username=None, at=NOON)
    assert who.address == "2001:db8::7"
    assert who.person is not None
    assert who.person.id == "t1"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _map().identify(DIRECTORY, address="127.0.0.1", username=None, at=dt.datetime(2026, 9, 1))


# -- lease windows ------------------------------------------------------------------------------


def _lease(person: str, start_hour: int, end_hour: int) -> Lease:
    day = dt.datetime(2026, 9, 1, tzinfo=UTC)
    return Lease(
        "127.30.1.8",
        person,
        None,
        day + dt.timedelta(hours=start_hour),
        day + dt.timedelta(hours=end_hour),
        "portal",
    )


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (7.99, None),
        (8, "first"),
        (9.5, "first"),
        (10, "second"),  # the first ends at 10: end is exclusive
        (11, "third"),  # overlapping: the latest start wins
        (13, "second"),
        (14, None),
    ],
)
def test_lease_windows(hour: float, expected: str | None) -> None:
    leases = (_lease("first", 8, 10), _lease("second", 10, 14), _lease("third", 11, 12))
    nmap = NetworkMap.build(NETWORKS).with_leases(leases)
    at = dt.datetime(2026, 9, 1, tzinfo=UTC) + dt.timedelta(hours=hour)
    found = nmap.lease_at("127.30.1.8", at)
    assert (found.person if found else None) == expected


def test_with_leases_replaces_the_feed_and_keeps_the_rest() -> None:
    first = _map((_lease("s1", 0, 23),))
    second = first.with_leases([_lease("t1", 0, 23)])
    assert first.lease_at("127.30.1.8", NOON).person == "s1"  # type: ignore[union-attr]
    assert second.lease_at("127.30.1.8", NOON).person == "t1"  # type: ignore[union-attr]
    assert second.networks == first.networks
    assert second.device_at("127.10.1.10") == first.device_at("127.10.1.10")
    assert len(second.leases()) == 1


def test_lease_times_with_other_offsets() -> None:
    mountain = dt.timezone(dt.timedelta(hours=-6))
    lease = Lease(
        "127.30.1.9",
        "s1",
        None,
        dt.datetime(2026, 9, 1, 6, tzinfo=mountain),
        dt.datetime(2026, 9, 1, 7, tzinfo=mountain),
        "portal",
    )
    nmap = NetworkMap.build(NETWORKS, (), (lease,))
    assert nmap.lease_at("127.30.1.9", dt.datetime(2026, 9, 1, 12, 30, tzinfo=UTC)) == lease
    assert nmap.lease_at("127.30.1.9", dt.datetime(2026, 9, 1, 13, 0, tzinfo=UTC)) is None


class _OnlyResolve:
    """Any directory port that can resolve a name will do (the engine's DirectoryPort)."""

    def resolve(self, who: str) -> Person | None:
        return DIRECTORY.resolve(who)


def test_identify_with_a_plain_lookup_port() -> None:
    who = _map().identify(_OnlyResolve(), address="127.10.1.10", username="JCARTER", at=NOON)
    assert who.person is not None
    assert who.person.id == "t2"
    owner = _map().identify(_OnlyResolve(), address="127.10.1.10", username=None, at=NOON)
    assert owner.person is not None
    assert owner.person.id == "t1"
