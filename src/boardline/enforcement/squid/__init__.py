"""Squid adapter: the external ACL helper and the configuration that uses it.

Three parts, each testable on its own:

* :mod:`~boardline.enforcement.squid.protocol` — the line protocol as a pure
  codec (parse a request line, format a reply), fuzzed without sockets;
* :mod:`~boardline.enforcement.squid.helper` — the stdin/stdout loop that feeds
  lines to a :class:`~boardline.enforcement.squid.protocol.Decider`;
* :mod:`~boardline.enforcement.squid.config` — the squid.conf Boardline needs:
  cache keys that roll over at schedule boundaries, and an explicit fail mode
  per category for when the helper is dead, overloaded or broken.

The package imports only the standard library and :mod:`boardline.model`, so a
helper can run under the system Python that Squid's unprivileged user can
execute.
"""

from boardline.enforcement.squid.config import (
    DEFAULT_FIELDS,
    FailClosedCategory,
    SquidSettings,
    helper_format,
    parse_domain_list,
    render_domain_acl,
    render_squid_config,
)
from boardline.enforcement.squid.helper import run_helper
from boardline.enforcement.squid.protocol import (
    DECISION_ID_NOTE,
    EFFECT_NOTE,
    Decider,
    HelperRequest,
    HelperVerdict,
    ProtocolError,
    decode_deny_info_message,
    format_bh,
    format_reply,
    parse_request,
)

__all__ = [
    "DECISION_ID_NOTE",
    "DEFAULT_FIELDS",
    "EFFECT_NOTE",
    "Decider",
    "FailClosedCategory",
    "HelperRequest",
    "HelperVerdict",
    "ProtocolError",
    "SquidSettings",
    "decode_deny_info_message",
    "format_bh",
    "format_reply",
    "helper_format",
    "parse_domain_list",
    "parse_request",
    "render_domain_acl",
    "render_squid_config",
    "run_helper",
]
