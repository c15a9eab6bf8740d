"""directory (core): people, buildings, relationships, networks and devices.

The decision engine's facts about *who* and *on what*: a :class:`Directory`
of people read from a OneRoster bundle (:func:`read_oneroster`), and a
:class:`NetworkMap` of address ranges, devices and leases read from the
district's networks file (:func:`load_networks`) and lease feeds. Both are
immutable and indexed once, so the hot path is dictionary lookups.
"""

from boardline.directory.directory import Directory
from boardline.directory.lease_feed import (
    parse_dhcpd_leases,
    parse_lease_csv,
    read_dhcpd_leases,
    read_lease_csv,
)
from boardline.directory.network import (
    Device,
    Identity,
    Lease,
    Network,
    NetworkKind,
    NetworkMap,
    parse_address,
)
from boardline.directory.network_config import load_networks, parse_networks
from boardline.directory.oneroster import RosterImport, read_oneroster
from boardline.directory.oneroster_roles import ROSTER_ROLES, parse_role_mapping
from boardline.directory.person import Agent, Building, Link, Person

__all__ = [
    "ROSTER_ROLES",
    "Agent",
    "Building",
    "Device",
    "Directory",
    "Identity",
    "Lease",
    "Link",
    "Network",
    "NetworkKind",
    "NetworkMap",
    "Person",
    "RosterImport",
    "load_networks",
    "parse_address",
    "parse_dhcpd_leases",
    "parse_lease_csv",
    "parse_networks",
    "parse_role_mapping",
    "read_dhcpd_leases",
    "read_lease_csv",
    "read_oneroster",
]
