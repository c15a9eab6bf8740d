"""Networks, devices and address leases: telling who is behind a request, and on what.

Policy 5460 treats district equipment and district networks differently from
personal devices, so every decision needs two facts besides the person: which
network the request came from and whether the device belongs to the district.
:meth:`NetworkMap.identify` answers both from whatever the enforcement point
knows (an authenticated proxy login and/or a source address), in a fixed order
of trust:

1. a username the proxy authenticated (Squid's ``%un``; ``-`` means none),
2. a lease active at the time of the request (DHCP, RADIUS, captive portal),
3. a device registered with a static address.

Whether the equipment is the district's comes from the device when one is
known, otherwise from the kind of network (only a district-managed network
implies district equipment).
"""

from __future__ import annotations

import bisect
import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from boardline.directory.directory import Directory
from boardline.directory.person import Person

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PeopleLookup(Protocol):
    """What :meth:`NetworkMap.identify` needs of a directory (a :class:`Directory` has more)."""

    def resolve(self, who: str) -> Person | None: ...


class NetworkKind(StrEnum):
    DISTRICT_MANAGED = "district_managed"
    STAFF_BYOD = "staff_byod"
    STUDENT = "student"
    GUEST = "guest"


@dataclass(frozen=True, slots=True)
class Network:
    """A named address range; ``building`` is the building (org) id it serves, if any."""

    name: str
    cidr: str
    kind: NetworkKind
    building: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A registered device. ``owner`` is a person id or username, resolved when identifying."""

    id: str
    owner: str | None
    managed: bool
    addresses: tuple[str, ...] = ()
    macs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lease:
    """An address held by a person and/or device for a while, from a lease feed.

    ``person`` is a person id, username or e-mail address as the feed gives it;
    ``start`` and ``end`` are timezone-aware (the lease holds for
    ``start <= t < end``).
    """

    address: str
    person: str | None
    device: str | None
    start: dt.datetime
    end: dt.datetime
    source: str
    mac: str | None = None

    def active_at(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True)
class Identity:
    """Who and what is behind a request, and how that was decided.

    ``district_equipment`` is True for a managed device or a district-managed
    network, False for a personal device or a BYOD, student or guest network,
    and None when nothing is known. ``username`` is the proxy login as given,
    kept even when the directory does not know it.
    """

    person: Person | None
    network: Network | None
    device: Device | None
    district_equipment: bool | None
    source: str
    address: str | None
    username: str | None = None


def parse_address(text: str) -> IPAddress | None:
    """An IP address as proxies write it (``[::1]``, ``::ffff:127.0.0.1``), or None."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _ipv4_value(text: str) -> int | None:
    """A plain dotted-quad as an integer, without :mod:`ipaddress` (the proxy's usual case).

    Anything else (IPv6, brackets, leading zeros, spaces) returns None and takes
    the general path, which decides whether it is an address at all.
    """
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or not part.isascii() or (len(part) > 1 and part[0] == "0"):
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = (value << 8) | octet
    return value


def normalize_mac(text: str) -> str | None:
    """``00-1A-2b-...`` / ``001a.2b..`` -> ``00:1a:2b:...``; None when it is not a MAC."""
    digits = "".join(ch for ch in text.strip().lower() if ch not in ":-.")
    if len(digits) != 12 or any(ch not in "0123456789abcdef" for ch in digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


_NO_USER = frozenset({"", "-"})
ADDRESS_CACHE_SIZE = 65536

# Per address family: (prefix length, {address >> (bits - length): network}) longest first.
_Table = tuple[tuple[int, dict[int, Network]], ...]


def _prefix_table(
    networks: Iterable[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Network]], bits: int
) -> _Table:
    by_length: dict[int, dict[int, Network]] = {}
    for net, network in networks:
        length = net.prefixlen
        by_length.setdefault(length, {})[int(net.network_address) >> (bits - length)] = network
    return tuple(sorted(by_length.items(), key=lambda item: -item[0]))


class NetworkMap:
    """Networks, devices and leases, indexed so :meth:`network_of` is a few dict hits."""

    __slots__ = ("_addresses", "_devices", "_leases", "_macs", "_networks", "_static", "_v4", "_v6")

    def __init__(self) -> None:
        # Address text -> (canonical text, network): the proxy sees the same few thousand
        # client addresses all day, and parsing one costs more than the rest of a decision.
        self._addresses: dict[str, tuple[str | None, Network | None]] = {}
        self._networks: tuple[Network, ...] = ()
        self._devices: dict[str, Device] = {}
        self._static: dict[str, Device] = {}
        self._macs: dict[str, Device] = {}
        self._leases: dict[str, tuple[tuple[dt.datetime, ...], tuple[Lease, ...]]] = {}
        self._v4: _Table = ()
        self._v6: _Table = ()

    @classmethod
    def build(
        cls,
        networks: Iterable[Network],
        devices: Iterable[Device] = (),
        leases: Iterable[Lease] = (),
    ) -> NetworkMap:
        """Index networks, devices and leases; inconsistent input raises :class:`ValueError`.

        Overlapping ranges are fine (the longest prefix wins); the same range twice,
        a device id or static address twice, or an unparsable address is not. The
        network config reader reports these with file and line first.
        """
        built = cls()
        built._networks = tuple(networks)
        v4: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Network]] = []
        v6: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Network]] = []
        seen: dict[str, str] = {}
        for network in built._networks:
            net = ipaddress.ip_network(network.cidr, strict=True)
            if str(net) in seen:
                raise ValueError(f"{network.name}: {net} is also network {seen[str(net)]!r}")
            seen[str(net)] = network.name
            (v4 if net.version == 4 else v6).append((net, network))
        built._v4 = _prefix_table(v4, 32)
        built._v6 = _prefix_table(v6, 128)
        for device in devices:
            if device.id in built._devices:
                raise ValueError(f"duplicate device id {device.id!r}")
            built._devices[device.id] = device
            for text in device.addresses:
                address = _must_parse(text)
                if address in built._static:
                    raise ValueError(
                        f"{device.id}: address {address} is also {built._static[address].id}"
                    )
                built._static[address] = device
            for mac in device.macs:
                normal = normalize_mac(mac)
                if normal is None:
                    raise ValueError(f"{device.id}: {mac!r} is not a MAC address")
                built._macs[normal] = device
        built._leases = _index_leases(leases)
        return built

    def with_leases(self, leases: Iterable[Lease]) -> NetworkMap:
        """A new map with the same networks and devices and this lease feed (replacing the old)."""
        fresh = NetworkMap()
        fresh._networks = self._networks
        fresh._devices = self._devices
        fresh._static = self._static
        fresh._macs = self._macs
        fresh._v4 = self._v4
        fresh._v6 = self._v6
        fresh._leases = _index_leases(leases)
        return fresh

    # -- lookups (hot path) -------------------------------------------------------------

    def network_of(self, address: str) -> Network | None:
        """The most specific network holding ``address``; None if none does or it is no address."""
        value = _ipv4_value(address)
        if value is not None:
            return self._lookup(value, 4)
        parsed = parse_address(address)
        return None if parsed is None else self._network_of(parsed)

    def _network_of(self, address: IPAddress) -> Network | None:
        return self._lookup(int(address), address.version)

    def _lookup(self, value: int, version: int) -> Network | None:
        if version == 4:
            table, bits = self._v4, 32
        else:
            table, bits = self._v6, 128
        for length, nets in table:
            found = nets.get(value >> (bits - length))
            if found is not None:
                return found
        return None

    def device(self, device_id: str) -> Device | None:
        return self._devices.get(device_id)

    def device_at(self, address: str) -> Device | None:
        """The device registered with this static address."""
        parsed = parse_address(address)
        return None if parsed is None else self._static.get(str(parsed))

    def lease_at(self, address: str, at: dt.datetime) -> Lease | None:
        """The lease on ``address`` active at ``at``; the latest-starting one if several are."""
        _require_aware(at)
        parsed = parse_address(address)
        return None if parsed is None else self._lease_at(str(parsed), at)

    def _lease_at(self, address: str, at: dt.datetime) -> Lease | None:
        indexed = self._leases.get(address)
        if indexed is None:
            return None
        starts, leases = indexed
        position = bisect.bisect_right(starts, at)
        for index in range(position - 1, -1, -1):
            if at < leases[index].end:
                return leases[index]
        return None

    def identify(
        self,
        directory: PeopleLookup,
        *,
        address: str | None,
        username: str | None,
        at: dt.datetime,
    ) -> Identity:
        """Who and what is behind a request (see the module docstring for the order of trust)."""
        _require_aware(at)
        key, network = self._address(address) if address else (None, None)
        lease = self._lease_at(key, at) if key is not None else None
        device = self._device_for(key, lease)
        login = username.strip() if username is not None else None
        if login in _NO_USER:
            login = None
        person: Person | None = None
        source = "none"
        if login is not None:
            # An authenticated login is the strongest fact there is; if the directory
            # does not know it, guessing from the address would name the wrong person.
            person, source = _login(directory, login), "proxy_auth"
        else:
            if lease is not None and lease.person:
                person = directory.resolve(lease.person)
                source = "lease" if person is not None else source
            if person is None and device is not None and device.owner:
                person = directory.resolve(device.owner)
                source = "device" if person is not None else source
        if device is not None:
            equipment: bool | None = device.managed
        elif network is not None:
            equipment = network.kind is NetworkKind.DISTRICT_MANAGED
        else:
            equipment = None
        return Identity(
            person=person,
            network=network,
            device=device,
            district_equipment=equipment,
            source=source,
            address=key if key is not None else address,
            username=login,
        )

    def lease_bounds(self, address: str | None, at: dt.datetime) -> tuple[float, float]:
        """Epoch seconds between which no lease of ``address`` starts or ends around ``at``.

        Identification through leases is constant inside these bounds, which lets
        an enforcement point reuse an identity (and a decision) safely.
        """
        key = self._address(address)[0] if address else None
        indexed = self._leases.get(key) if key is not None else None
        if indexed is None:
            return (float("-inf"), float("inf"))
        moment = at.timestamp()
        edges = sorted({t.timestamp() for lease in indexed[1] for t in (lease.start, lease.end)})
        position = bisect.bisect_right(edges, moment)
        low = edges[position - 1] if position > 0 else float("-inf")
        high = edges[position] if position < len(edges) else float("inf")
        return (low, high)

    def _address(self, address: str) -> tuple[str | None, Network | None]:
        hit = self._addresses.get(address)
        if hit is None:
            parsed = parse_address(address)
            hit = (str(parsed), self._network_of(parsed)) if parsed is not None else (None, None)
            if len(self._addresses) >= ADDRESS_CACHE_SIZE:
                self._addresses.clear()
            self._addresses[address] = hit
        return hit

    def _device_for(self, address: str | None, lease: Lease | None) -> Device | None:
        if lease is not None:
            if lease.device:
                found = self._devices.get(lease.device)
                if found is not None:
                    return found
            if lease.mac:
                normal = normalize_mac(lease.mac)
                found = self._macs.get(normal) if normal else None
                if found is not None:
                    return found
        return self._static.get(address) if address is not None else None

    # -- whole-map views ----------------------------------------------------------------

    @property
    def networks(self) -> tuple[Network, ...]:
        return self._networks

    def devices(self) -> tuple[Device, ...]:
        return tuple(self._devices.values())

    def leases(self) -> tuple[Lease, ...]:
        return tuple(lease for _, found in self._leases.values() for lease in found)

    def __repr__(self) -> str:
        count = sum(len(found) for _, found in self._leases.values())
        return (
            f"<NetworkMap {len(self._networks)} networks, {len(self._devices)} devices, "
            f"{count} leases>"
        )


def _login(directory: PeopleLookup, login: str) -> Person | None:
    """A proxy login: a :class:`Directory` knows ``DOMAIN\\user`` and ``user@realm`` forms."""
    if isinstance(directory, Directory):
        return directory.by_username(login)
    return directory.resolve(login)


def _must_parse(text: str) -> str:
    parsed = parse_address(text)
    if parsed is None:
        raise ValueError(f"{text!r} is not an IP address")
    return str(parsed)


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("times must be timezone-aware (UTC)")


def _index_leases(
    leases: Iterable[Lease],
) -> dict[str, tuple[tuple[dt.datetime, ...], tuple[Lease, ...]]]:
    grouped: dict[str, list[Lease]] = {}
    for lease in leases:
        _require_aware(lease.start)
        _require_aware(lease.end)
        address = _must_parse(lease.address)
        if address != lease.address:
            lease = replace(lease, address=address)  # noqa: PLW2901 - normalised copy
        grouped.setdefault(address, []).append(lease)
    indexed = {}
    for address, found in grouped.items():
        found.sort(key=lambda lease: lease.start)
        indexed[address] = (tuple(lease.start for lease in found), tuple(found))
    return indexed
