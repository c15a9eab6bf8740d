"""The district's networks file: address ranges and registered devices, in YAML.

The network team keeps one small file (``networks.yaml``) saying which ranges
are district-managed, staff BYOD, student or guest, and which devices are
district equipment. It changes rarely and is written by hand, so every problem
is reported with its file, line and field::

    networks:
      - name: cbhs-staff
        cidr: 127.10.1.0/24
        kind: district_managed      # district_managed | staff_byod | student | guest
        building: cbhs              # optional: a building (org) sourcedId
    devices:
      - id: cbhs-laptop-014
        owner: mrivera              # optional: username or sourcedId
        managed: true               # district equipment?
        addresses: [127.10.1.10]
        macs: ["02:00:5e:10:01:0a"]
"""

from __future__ import annotations

import contextlib
import ipaddress
from pathlib import Path
from typing import Any

from boardline.directory.csv_table import Problems, decode
from boardline.directory.directory import Directory
from boardline.directory.network import (
    Device,
    Network,
    NetworkKind,
    NetworkMap,
    normalize_mac,
    parse_address,
)
from boardline.model.errors import InputError
from boardline.policy.yaml_source import Loc, Located, read_yaml

_NETWORK_KEYS = frozenset({"name", "cidr", "kind", "building"})
_DEVICE_KEYS = frozenset({"id", "owner", "managed", "addresses", "macs"})
_KINDS = ", ".join(kind.value for kind in NetworkKind)


def load_networks(path: str | Path, directory: Directory | None = None) -> NetworkMap:
    """Read the networks file at ``path``; see :func:`parse_networks`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.at(str(path), f"cannot read the file: {exc.strerror or exc}") from None
    problems = Problems()
    text = decode(raw, str(path), problems)
    if text is None:
        raise InputError(problems.items)
    return parse_networks(text, str(path), directory)


def parse_networks(
    text: str, file: str = "<networks>", directory: Directory | None = None
) -> NetworkMap:
    """Validate a networks file; raise :class:`InputError` naming file, line and field.

    With a ``directory``, building ids and device owners are checked against it
    and owners given as usernames are stored as sourcedIds.
    """
    located = read_yaml(text, file)
    checker = _Checker(located, directory)
    data = located.data
    if not isinstance(data, dict):
        raise InputError.at(file, "expected a mapping with networks and devices", line=1)
    for key in data:
        if key not in ("networks", "devices"):
            checker.problem((key,), f"unknown section {key!r} (networks, devices)")
    networks = [
        network
        for index, item in enumerate(checker.items("networks"))
        if (network := checker.network(("networks", index), item)) is not None
    ]
    devices = [
        device
        for index, item in enumerate(checker.items("devices"))
        if (device := checker.device(("devices", index), item)) is not None
    ]
    checker.problems.raise_if_any()
    return NetworkMap.build(networks, devices)


class _Checker:
    def __init__(self, located: Located, directory: Directory | None) -> None:
        self.located = located
        self.directory = directory
        self.problems = Problems()
        self.cidrs: dict[str, Loc] = {}
        self.names: dict[str, Loc] = {}
        self.device_ids: dict[str, Loc] = {}
        self.addresses: dict[str, Loc] = {}

    def problem(self, loc: Loc, message: str) -> None:
        place = self.located.place(loc)
        self.problems.add(place.file, message, line=place.line, field=place.field)

    def items(self, section: str) -> list[Any]:
        data = self.located.data.get(section)
        if data is None:
            return []
        if not isinstance(data, list):
            self.problem((section,), "expected a list")
            return []
        return data

    def _mapping(self, loc: Loc, item: Any, keys: frozenset[str]) -> dict[str, Any] | None:
        if not isinstance(item, dict):
            self.problem(loc, "expected a mapping")
            return None
        for key in item:
            if key not in keys:
                self.problem((*loc, key), f"unknown field {key!r} ({', '.join(sorted(keys))})")
        return item

    def _text(self, loc: Loc, item: dict[str, Any], key: str, *, required: bool) -> str | None:
        value = item.get(key)
        if value is None:
            if required:
                self.problem((*loc, key) if key in item else loc, f"{key} is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem((*loc, key), "expected a non-empty text value")
            return None
        return value.strip()

    def _unique(self, seen: dict[str, Loc], key: str, loc: Loc, what: str) -> bool:
        if key in seen:
            line = self.located.line_of(seen[key])
            self.problem(loc, f"{what} {key!r} is already used on line {line}")
            return False
        seen[key] = loc
        return True

    def network(self, loc: Loc, raw: Any) -> Network | None:
        item = self._mapping(loc, raw, _NETWORK_KEYS)
        if item is None:
            return None
        name = self._text(loc, item, "name", required=True)
        cidr = self._text(loc, item, "cidr", required=True)
        kind_text = self._text(loc, item, "kind", required=True)
        building = self._text(loc, item, "building", required=False)
        net = None
        if cidr is not None:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except ValueError as exc:
                hint = ""
                with contextlib.suppress(ValueError):
                    hint = f"; did you mean {ipaddress.ip_network(cidr, strict=False)}?"
                self.problem((*loc, "cidr"), f"{cidr!r} is not a network ({exc}){hint}")
        kind = None
        if kind_text is not None:
            try:
                kind = NetworkKind(kind_text)
            except ValueError:
                self.problem((*loc, "kind"), f"{kind_text!r} is not one of {_KINDS}")
        known = self.directory.buildings if self.directory is not None else None
        if building is not None and known is not None and building not in known:
            self.problem((*loc, "building"), f"unknown building {building!r}")
        if name is not None:
            self._unique(self.names, name, (*loc, "name"), "network name")
        if net is not None and not self._unique(self.cidrs, str(net), (*loc, "cidr"), "range"):
            net = None
        if name is None or net is None or kind is None:
            return None
        return Network(name=name, cidr=str(net), kind=kind, building=building)

    def device(self, loc: Loc, raw: Any) -> Device | None:
        item = self._mapping(loc, raw, _DEVICE_KEYS)
        if item is None:
            return None
        device_id = self._text(loc, item, "id", required=True)
        owner = self._text(loc, item, "owner", required=False)
        managed = item.get("managed")
        if not isinstance(managed, bool):
            where = (*loc, "managed") if "managed" in item else loc
            self.problem(where, "managed is required: true (district equipment) or false")
        if owner is not None and self.directory is not None:
            person = self.directory.resolve(owner)
            if person is None:
                self.problem((*loc, "owner"), f"unknown person {owner!r}")
            else:
                owner = person.id
        addresses = self._list(loc, item, "addresses", self._address)
        macs = self._list(loc, item, "macs", self._mac)
        if device_id is not None and not self._unique(
            self.device_ids, device_id, (*loc, "id"), "device id"
        ):
            device_id = None
        if device_id is None or not isinstance(managed, bool) or addresses is None or macs is None:
            return None
        return Device(id=device_id, owner=owner, managed=managed, addresses=addresses, macs=macs)

    def _list(self, loc: Loc, item: dict[str, Any], key: str, check: Any) -> tuple[str, ...] | None:
        value = item.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem((*loc, key), "expected a list")
            return None
        out: list[str] = []
        for index, entry in enumerate(value):
            normal = check((*loc, key, index), entry)
            if normal is None:
                return None
            out.append(normal)
        return tuple(out)

    def _address(self, loc: Loc, entry: Any) -> str | None:
        parsed = parse_address(entry) if isinstance(entry, str) else None
        if parsed is None:
            self.problem(loc, f"{entry!r} is not an IP address")
            return None
        if not self._unique(self.addresses, str(parsed), loc, "address"):
            return None
        return str(parsed)

    def _mac(self, loc: Loc, entry: Any) -> str | None:
        normal = normalize_mac(entry) if isinstance(entry, str) else None
        if normal is None:
            self.problem(loc, f"{entry!r} is not a MAC address (like 02:00:5e:10:01:0a)")
        return normal
