"""ICAP adapter (RFC 3507): Squid hands each upload to Boardline before it leaves.

* :mod:`~boardline.enforcement.icap.protocol` — the ICAP codec (heads, chunked
  bodies, responses), pure and fuzzed;
* :mod:`~boardline.enforcement.icap.http_message` — the encapsulated HTTP head;
* :mod:`~boardline.enforcement.icap.body` — multipart, JSON, form and raw
  bodies split into parts a scanner reads;
* :mod:`~boardline.enforcement.icap.service` — REQMOD: inspect, decide, log,
  answer ``204`` or a 403 page quoting the clause; limits and the fail mode;
* :mod:`~boardline.enforcement.icap.server` — the asyncio loop around them.
"""

from boardline.enforcement.icap.server import IcapServer
from boardline.enforcement.icap.service import (
    ContentInspector,
    FailMode,
    IcapLimits,
    Outcome,
    ReqmodService,
    Verdict,
)

__all__ = [
    "ContentInspector",
    "FailMode",
    "IcapLimits",
    "IcapServer",
    "Outcome",
    "ReqmodService",
    "Verdict",
]
