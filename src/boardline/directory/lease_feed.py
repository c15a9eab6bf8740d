"""Lease feeds: who held which address when, from a CSV export or an ISC dhcpd leases file.

A lease ties an address to a person (a captive-portal or RADIUS login) or a
device (a DHCP hardware address) for a while, which is how a request from an
unauthenticated proxy client is traced to somebody. Two formats are read:

* a plain CSV (``address,username,start,end,source``; optional ``device`` and
  ``mac`` columns), times in ISO 8601 with a UTC offset — the shape any portal
  or RADIUS accounting export can be turned into;
* ISC dhcpd's ``dhcpd.leases`` (IPv4 ``lease`` blocks; ``starts``/``ends`` in
  UTC as ``W YYYY/MM/DD HH:MM:SS``, ``epoch N`` or ``never``). Only bindings in
  state ``active`` hold an address; free, expired and released ones do not.
  The file is append-only, so the latest entry for an address wins.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from boardline.directory.csv_table import Problems, Row, decode, parse_table
from boardline.directory.network import Lease, normalize_mac, parse_address
from boardline.model.errors import InputError

FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)
_CSV_COLUMNS = ("address", "username", "start", "end")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.at(str(path), f"cannot read the file: {exc.strerror or exc}") from None
    problems = Problems()
    text = decode(raw, str(path), problems)
    if text is None:
        raise InputError(problems.items)
    return text


def read_lease_csv(path: str | Path) -> tuple[Lease, ...]:
    path = Path(path)
    return parse_lease_csv(_read_text(path), str(path))


def parse_lease_csv(text: str, file: str = "<leases>") -> tuple[Lease, ...]:
    """Leases from CSV text; every bad row is reported with its line and column."""
    problems = Problems()
    table = parse_table(text, file, problems, required=_CSV_COLUMNS)
    leases: list[Lease] = []
    if table is not None:
        default_source = Path(file).name
        for row in table:
            lease = _csv_lease(row, problems, default_source)
            if lease is not None:
                leases.append(lease)
    problems.raise_if_any()
    return tuple(leases)


def _csv_lease(row: Row, problems: Problems, default_source: str) -> Lease | None:
    text = row.required(problems, "address")
    address = parse_address(text) if text else None
    if text and address is None:
        row.problem(problems, "address", f"{text!r} is not an IP address")
    start = row.timestamp(problems, "start")
    end = row.timestamp(problems, "end")
    for column, value in (("start", start), ("end", end)):
        if value is None and not row.get(column):
            row.problem(problems, column, "is required")
    if start is not None and end is not None and end <= start:
        row.problem(problems, "end", "is not after start")
        return None
    mac_text = row.get("mac")
    mac = normalize_mac(mac_text) if mac_text else None
    if mac_text and mac is None:
        row.problem(problems, "mac", f"{mac_text!r} is not a MAC address")
    if address is None or start is None or end is None:
        return None
    return Lease(
        address=str(address),
        person=row.get("username") or None,
        device=row.get("device") or None,
        start=start,
        end=end,
        source=row.get("source") or default_source,
        mac=mac,
    )


def read_dhcpd_leases(path: str | Path) -> tuple[Lease, ...]:
    path = Path(path)
    return parse_dhcpd_leases(_read_text(path), str(path))


def parse_dhcpd_leases(text: str, file: str = "<dhcpd.leases>") -> tuple[Lease, ...]:
    """Active IPv4 leases from ``dhcpd.leases`` text; other blocks are passed over."""
    problems = Problems()
    leases: list[Lease] = []
    block: _Block | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if block is None and depth == 0 and line.startswith("lease ") and line.endswith("{"):
            block = _Block(number, line[len("lease ") : -1].strip())
            continue
        if block is not None:
            if line == "}":
                lease = block.finish(file, problems)
                if lease is not None:
                    leases.append(lease)
                block = None
            else:
                block.statement(line, number, file, problems)
            continue
        depth += line.count("{") - line.count("}")
    if block is not None:
        problems.add(file, f"lease {block.address} is not closed with }}", line=block.line)
    problems.raise_if_any()
    return tuple(leases)


def _strip_comment(line: str) -> str:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index]
    return line


class _Block:
    def __init__(self, line: int, address: str) -> None:
        self.line = line
        self.address = address
        self.starts: dt.datetime | None = None
        self.ends: dt.datetime | None = None
        self.state: str | None = None
        self.mac: str | None = None

    def statement(self, line: str, number: int, file: str, problems: Problems) -> None:
        if not line.endswith(";"):
            problems.add(file, f"expected ';' at the end of {line!r}", line=number)
            return
        words = line[:-1].split()
        if not words:
            return
        keyword = words[0]
        if keyword in ("starts", "ends"):
            when = _when(words[1:])
            if when is None:
                problems.add(file, f"{keyword}: {' '.join(words[1:])!r} is not a time", line=number)
            elif keyword == "starts":
                self.starts = when
            else:
                self.ends = when
        elif words[:2] == ["binding", "state"] and len(words) == 3:
            self.state = words[2]
        elif words[:2] == ["hardware", "ethernet"] and len(words) == 3:
            self.mac = normalize_mac(words[2])
            if self.mac is None:
                problems.add(file, f"{words[2]!r} is not a MAC address", line=number)

    def finish(self, file: str, problems: Problems) -> Lease | None:
        address = parse_address(self.address)
        if address is None:
            problems.add(file, f"{self.address!r} is not an IP address", line=self.line)
            return None
        if self.state not in (None, "active"):
            return None
        if self.starts is None:
            problems.add(file, f"lease {self.address} has no starts time", line=self.line)
            return None
        return Lease(
            address=str(address),
            person=None,
            device=None,
            start=self.starts,
            end=self.ends or FOREVER,
            source="dhcpd",
            mac=self.mac,
        )


def _when(words: list[str]) -> dt.datetime | None:
    """``4 2025/09/02 14:00:00`` (UTC), ``epoch 1756821600`` or ``never``."""
    if words == ["never"]:
        return FOREVER
    try:
        if len(words) == 2 and words[0] == "epoch":
            return dt.datetime.fromtimestamp(int(words[1]), dt.UTC)
        if len(words) == 3 and words[0].isdigit():
            stamp = f"{words[1]} {words[2]} +0000"
            return dt.datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S %z").astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None
