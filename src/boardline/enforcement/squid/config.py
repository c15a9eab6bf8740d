"""The squid.conf that puts Boardline in front of traffic, generated from settings.

How a request is decided (verified against Debian's Squid 5.7 by
``tests/integration/test_squid_helper.py``):

1. ``http_access`` only admits the district's client networks (and keeps
   CONNECT to port 443). It never consults the helper.
2. ``url_rewrite_access`` asks the helper, through the external ACL
   ``bl_verdict``. Every line of that list denies, so the rewrite program
   (:attr:`SquidSettings.rewrite_placeholder`) is never started; the list is
   only the place where the lookup happens. Why not in ``http_access``: in
   Squid 5.7 an external ACL that cannot answer (``BH``, helper crashed,
   queue overflow) ends ``http_access`` with DUNNO, which Squid treats as a
   *deny* whatever the following lines say, so no category could fail open.
   ``url_rewrite_access`` treats the same DUNNO as "do not rewrite" and the
   request goes on.
3. The helper's verdict travels as the annotation ``bl_effect=allow|deny``
   (:data:`~boardline.enforcement.squid.protocol.EFFECT_NOTE`), and
   ``adapted_http_access`` enforces it before anything is forwarded:

   ====================================  ==================  ==============
   helper outcome                        fail-closed domain  any other host
   ====================================  ==================  ==============
   ``OK`` (``bl_effect=allow``)          allowed             allowed
   ``ERR`` (``bl_effect=deny``)          denied              denied
   ``BH``, crashed, queue overflow       denied              allowed
   ====================================  ==================  ==============

   "Fail-closed domain" means the request host is in the ``dstdomain`` list of
   a category the district declared fail-closed (:class:`FailClosedCategory`);
   everything else fails open. Squid asks once more after a ``BH`` before
   giving up, and never caches ``BH``, so the fail mode lasts exactly as long
   as the helper cannot answer; a crashed helper is restarted on the next
   lookup.
4. A denial redirects to the block page (``deny_info 302:``) when
   :attr:`SquidSettings.block_page_url` is set, else Squid's 403 page. An
   explicit denial passes ``d=`` the decision id (the ``decision_id`` note,
   which Squid URL-escapes cleanly; ids must be URL-safe tokens) and ``m=``
   the message (``%o``, which Squid 5.7 HTML-quotes byte by byte; see
   :func:`~boardline.enforcement.squid.protocol.decode_deny_info_message`).
   A fail-closed denial passes ``reason=unavailable&category=NAME``. A denied
   CONNECT gets the same answer, but browsers show their own error for a
   refused tunnel: the block page is only seen for plain HTTP (or with
   SslBump).

Schedule boundaries. Squid caches answers by the expanded FORMAT (``ttl`` for
``OK``, ``negative_ttl`` for ``ERR``; the default would be an hour). The FORMAT
ends with a time bucket, ``%{%Y%m%d%H%M}tl`` by default, so the cache key rolls
over every minute: an answer is never reused outside the minute it was given
in, and a school day that starts on the minute is enforced from its first
second. (A lookup still pending when the bucket rolls over is asked again
under the new key.) ``ttl`` (60 s) bounds staleness on its own if the bucket
is turned off; ``negative_ttl`` (5 s) bounds how long a denial outlives an
administrator's grant or an emergency declaration.

Slow helpers. Squid 5.7 has no per-request timeout for external ACLs: a slow
helper delays requests until ``queue-size`` lookups are waiting, after which
new lookups are rejected at once (DUNNO), which the table above covers.

``children-startup`` stays 0 on purpose: Squid exits with "helpers are crashing
too rapidly" when helpers it started at boot die before answering, which would
turn a broken pack into a dead proxy.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from boardline.enforcement.squid.protocol import DECISION_ID_NOTE, EFFECT_NOTE, check_fields
from boardline.model.errors import InputError, Place, Problem

#: Squid format code per helper field (``bucket`` is added from the time bucket).
FIELD_CODES: Mapping[str, str] = {
    "src": "%>a",
    "user": "%un",
    "method": "%>rm",
    "host": "%>rd",
    "port": "%>rP",
    "path": "%>rp",
    "uri": "%>ru",
    "myaddr": "%la",
    "myport": "%lp",
    "data": "%DATA",
}
DEFAULT_FIELDS = ("src", "user", "method", "host", "port", "path", "bucket", "data")
DEFAULT_TIME_BUCKET = "%Y%m%d%H%M"
DEFAULT_LOG_NOTES = (DECISION_ID_NOTE, "rule", "category", "revision")

SETTINGS_FILE = "squid settings"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_TOKEN = re.compile(r"\S+")
_BUCKET = re.compile(r"(?:%[a-zA-Z]|[0-9_:.\-])+")
_ADDR_PORT = re.compile(r"(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):)?\d{1,5}")


@dataclass(frozen=True, slots=True)
class FailClosedCategory:
    """A category denied while the helper cannot answer, and the list Squid reads."""

    name: str
    domains_file: str


@dataclass(frozen=True, slots=True)
class SquidSettings:
    """Everything the generated squid.conf depends on; validated on creation."""

    helper_command: str = "boardline squid-helper"
    http_port: str = "127.0.0.1:3128"
    fields: tuple[str, ...] = DEFAULT_FIELDS
    time_bucket: str | None = DEFAULT_TIME_BUCKET
    concurrency: int = 50
    children_max: int = 4
    queue_size: int | None = None
    ttl: int = 60
    negative_ttl: int = 5
    clients: tuple[str, ...] = ("127.0.0.0/8", "::1")
    fail_closed: tuple[FailClosedCategory, ...] = ()
    block_page_url: str | None = None
    access_log: str = "/var/log/squid/access.log"
    cache_log: str = "/var/log/squid/cache.log"
    pid_file: str | None = None
    effective_user: str | None = None
    visible_hostname: str | None = None
    #: Lab and test set-ups: send every request to this one parent (host, port).
    parent_peer: tuple[str, int] | None = None
    dns_nameservers: tuple[str, ...] = ()
    shutdown_lifetime: int | None = None
    rewrite_placeholder: str = "/bin/false"
    log_notes: tuple[str, ...] = field(default=DEFAULT_LOG_NOTES)
    #: Boardline's ICAP REQMOD service (``icap://127.0.0.1:1344/reqmod``); None: no ICAP.
    icap_url: str | None = None
    #: True when the district's ICAP fail mode is open: Squid lets uploads through
    #: while the service is down (``bypass=1``); False blocks them (``bypass=0``).
    icap_bypass: bool = False
    #: A ``dstdomain`` file of the categories whose uploads are inspected; None: all.
    icap_domains_file: str | None = None
    #: HTTPS interception (see :func:`_ssl_bump_lines`): the district CA made by
    #: ``boardline squid ca``; set both, with ``bump_domains_file``, or none.
    tls_ca_cert: str | None = None
    tls_ca_key: str | None = None
    #: ``ssl::server_name`` list of the inspected categories' sites: only these are decrypted.
    bump_domains_file: str | None = None
    #: Sites never decrypted (banking, health, ...): spliced even when a bump entry covers them.
    never_bump_domains_file: str | None = None
    #: The certificate cache of ``security_file_certgen`` (made with ``-c``, owned by Squid's user).
    cert_db_dir: str = "/var/lib/squid/ssl_db"
    cert_generator: str = "/usr/lib/squid/security_file_certgen"
    #: Extra CA bundle Squid trusts for origins (a lab's stand-in origin); None: the system's.
    tls_outgoing_cafile: str | None = None
    #: Squid's own hosts file (``hosts_file``): lab set-ups map site names to loopback.
    hosts_file: str | None = None
    #: Ports a CONNECT tunnel may reach (HTTPS is 443; a lab origin listens on a free port).
    ssl_ports: tuple[int, ...] = (443,)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InputError(problems)


def _problem(name: str, message: str) -> Problem:
    return Problem(Place(SETTINGS_FILE, field=name), message)


def _problems(s: SquidSettings) -> list[Problem]:
    out: list[Problem] = []
    try:
        check_fields(s.fields)
    except ValueError as exc:
        out.append(_problem("fields", str(exc)))
    unknown = [f for f in s.fields if f not in FIELD_CODES and f != "bucket"]
    if unknown:
        out.append(_problem("fields", f"no Squid format code for {', '.join(unknown)}"))
    if ("bucket" in s.fields) != (s.time_bucket is not None):
        out.append(_problem("time_bucket", "set a time bucket exactly when fields has 'bucket'"))
    if s.time_bucket is not None and not _BUCKET.fullmatch(s.time_bucket):
        out.append(_problem("time_bucket", f"{s.time_bucket!r} is not a strftime pattern"))
    if not _ADDR_PORT.fullmatch(s.http_port) or int(s.http_port.rsplit(":", 1)[-1]) > 65535:
        out.append(_problem("http_port", f"{s.http_port!r} is not PORT or ADDRESS:PORT"))
    limits: list[tuple[str, int | None, int]] = [
        ("concurrency", s.concurrency, 0),
        ("children_max", s.children_max, 1),
        ("ttl", s.ttl, 0),
        ("negative_ttl", s.negative_ttl, 0),
        ("queue_size", s.queue_size, 0),
        ("shutdown_lifetime", s.shutdown_lifetime, 0),
    ]
    out += [
        _problem(name, f"must be at least {low}, not {number}")
        for name, number, low in limits
        if number is not None and number < low
    ]
    out += [
        _problem("clients", f"{client!r} is not an address or network")
        for client in s.clients
        if not _is_network(client)
    ]
    if not s.clients:
        out.append(_problem("clients", "no client may use the proxy"))
    out += [
        _problem("fail_closed", f"category name {c.name!r} is not a slug")
        for c in s.fail_closed
        if not _NAME.fullmatch(c.name)
    ]
    names = [c.name for c in s.fail_closed]
    if len(set(names)) != len(names):
        out.append(_problem("fail_closed", "a category is listed twice"))
    words = [
        ("access_log", s.access_log),
        ("cache_log", s.cache_log),
        ("pid_file", s.pid_file or "-"),
        ("rewrite_placeholder", s.rewrite_placeholder),
        ("icap_domains_file", s.icap_domains_file or "-"),
        ("tls_ca_cert", s.tls_ca_cert or "-"),
        ("tls_ca_key", s.tls_ca_key or "-"),
        ("bump_domains_file", s.bump_domains_file or "-"),
        ("never_bump_domains_file", s.never_bump_domains_file or "-"),
        ("cert_db_dir", s.cert_db_dir),
        ("cert_generator", s.cert_generator),
        ("tls_outgoing_cafile", s.tls_outgoing_cafile or "-"),
        ("hosts_file", s.hosts_file or "-"),
        *(("fail_closed", c.domains_file) for c in s.fail_closed),
    ]
    out += [
        _problem(name, f"{word!r} must be one word without spaces")
        for name, word in words
        if not _TOKEN.fullmatch(word)
    ]
    if not s.helper_command.strip():
        out.append(_problem("helper_command", "is empty"))
    if s.block_page_url is not None and not re.fullmatch(r"https?://[^\s%?#]+", s.block_page_url):
        out.append(
            _problem("block_page_url", "must be http(s)://host[:port]/path without query or '%'")
        )
    if s.icap_url is not None and not re.fullmatch(r"icap://[^\s/]+/\S*", s.icap_url):
        out.append(_problem("icap_url", "must be icap://host:port/path without spaces"))
    bump = {"tls_ca_cert": s.tls_ca_cert, "tls_ca_key": s.tls_ca_key,
            "bump_domains_file": s.bump_domains_file}  # fmt: skip
    if any(bump.values()) and not all(bump.values()):
        missing = ", ".join(name for name, value in bump.items() if not value)
        out.append(_problem(missing.split(",")[0], f"HTTPS interception also needs {missing}"))
    if s.never_bump_domains_file and not s.bump_domains_file:
        out.append(
            _problem("never_bump_domains_file", "only means something with bump_domains_file")
        )
    out += [
        _problem("log_notes", f"{note!r} is not a note name")
        for note in s.log_notes
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", note)
    ]
    return out


def helper_format(fields: tuple[str, ...], time_bucket: str | None) -> str:
    """The external_acl_type FORMAT for ``fields``, in the same order the helper parses."""
    codes = [
        "%{" + time_bucket + "}tl" if name == "bucket" and time_bucket else FIELD_CODES[name]
        for name in fields
    ]
    return " ".join(codes)


def helper_command_line(settings: SquidSettings) -> str:
    """The helper command with the protocol arguments the generated FORMAT implies."""
    line = f"{settings.helper_command} --fields {','.join(settings.fields)}"
    return line + (" --concurrent" if settings.concurrency > 0 else "")


def render_squid_config(settings: SquidSettings) -> str:
    """The whole squid.conf for ``settings`` (see the module docstring for its logic)."""
    s = settings
    port_line = f"http_port {s.http_port}"
    if s.bump_domains_file:
        port_line += (
            f" ssl-bump tls-cert={s.tls_ca_cert} tls-key={s.tls_ca_key}"
            " generate-host-certificates=on dynamic_cert_mem_cache_size=4MB"
        )
    lines = [
        "# Generated by Boardline (`boardline squid config`); regenerate rather than edit.",
        "# Decision flow and fail modes: boardline.enforcement.squid.config.",
        port_line,
    ]
    if s.visible_hostname:
        lines.append(f"visible_hostname {s.visible_hostname}")
    if s.effective_user:
        lines.append(f"cache_effective_user {s.effective_user}")
    if s.pid_file:
        lines.append(f"pid_filename {s.pid_file}")
    notes = " ".join(f"{n}=%{{{n}}}note" for n in (EFFECT_NOTE, *s.log_notes))
    lines += [
        f"cache_log {s.cache_log}",
        # Squid's native fields, then notes the audit reads (boardline.audit.readers.squid):
        # the Sec-Fetch request headers tell top-level navigations from embedded resources.
        "logformat boardline %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt"
        f" sfd=%{{Sec-Fetch-Dest}}>h sfm=%{{Sec-Fetch-Mode}}>h ea=%ea {notes}",
        f"access_log stdio:{s.access_log} boardline",
        "cache deny all",
        "# Boardline needs no ICMP measurements of destinations.",
        "pinger_enable off",
    ]
    if s.shutdown_lifetime is not None:
        lines.append(f"shutdown_lifetime {s.shutdown_lifetime} seconds")
    if s.parent_peer is not None:
        host, port = s.parent_peer
        lines += [
            f"cache_peer {host} parent {port} 0 no-query no-digest default",
            "never_direct allow all",
        ]
    if s.dns_nameservers:
        lines.append("dns_nameservers " + " ".join(s.dns_nameservers))
    if s.hosts_file:
        lines.append(f"hosts_file {s.hosts_file}")
    lines += [
        "",
        "# 1. Who may use the proxy. The helper is not consulted here (see 2).",
        "acl bl_clients src " + " ".join(s.clients),
        "acl bl_connect method CONNECT",
        "acl bl_ssl_ports port " + " ".join(str(p) for p in s.ssl_ports),
        "http_access deny bl_connect !bl_ssl_ports",
        "http_access allow bl_clients",
        "http_access deny all",
        "",
        "# 2. Ask Boardline. OK = allowed, ERR = denied; the verdict comes back as the",
        f"#    note {EFFECT_NOTE}. url_rewrite_access is only the place of the lookup: every",
        "#    line denies, so the rewrite program never runs, and an unanswered lookup",
        "#    (BH, crash, overload) does not end the request as it would in http_access.",
        _external_acl_line(s),
        "acl bl_verdict external boardline",
        f"url_rewrite_program {s.rewrite_placeholder}",
        "url_rewrite_children 1 startup=0 idle=1 concurrency=0",
        "url_rewrite_access deny bl_verdict",
        "url_rewrite_access deny all",
        "",
        "# 3. Enforce the verdict; without one, fail-closed categories are denied.",
        f"acl bl_said_allow note {EFFECT_NOTE} allow",
        f"acl bl_said_deny note {EFFECT_NOTE} deny",
    ]
    lines += [f'acl bl_fc_{c.name} dstdomain "{c.domains_file}"' for c in s.fail_closed]
    lines.append("adapted_http_access deny bl_said_deny")
    lines += [f"adapted_http_access deny !bl_said_allow bl_fc_{c.name}" for c in s.fail_closed]
    lines.append("adapted_http_access allow all")
    if s.bump_domains_file:
        lines += _ssl_bump_lines(s, s.bump_domains_file)
    if s.icap_url:
        lines += _icap_lines(s, s.icap_url)
    if s.block_page_url:
        base = s.block_page_url
        lines += [
            "",
            "# 4. Denials go to Boardline's block page.",
            f"deny_info 302:{base}?d=@Squid{{%{{{DECISION_ID_NOTE}}}note}}&m=%o bl_said_deny",
        ]
        lines += [
            f"deny_info 302:{base}?reason=unavailable&category={c.name} bl_fc_{c.name}"
            for c in s.fail_closed
        ]
    return "\n".join(lines) + "\n"


def _icap_lines(s: SquidSettings, url: str) -> list[str]:
    """Uploads (POST, PUT, PATCH) go through Boardline's ICAP service before they leave.

    Only methods that carry a body are sent: a GET has nothing to inspect, and
    skipping it keeps ICAP off the hot path of browsing. With
    ``icap_domains_file`` only uploads to those domains (the inspected
    categories: social networks, file sharing) are sent; without it every upload
    is, which is simpler and misses no new site, at the cost of scanning uploads
    to sites the policy does not care about. ``bypass`` is the district's fail
    mode for a service that is down; a post the service cannot inspect is
    answered by the service itself, per ``icap_fail_mode``.
    """
    inspected = " bl_inspected" if s.icap_domains_file else ""
    lines = [
        "",
        "# Uploads go to Boardline's content inspection (ICAP REQMOD) before they leave.",
        "icap_enable on",
        "icap_send_client_ip on",
        "icap_send_client_username on",
        "icap_preview_enable on",
        f"icap_service boardline_req reqmod_precache bypass={1 if s.icap_bypass else 0} {url}",
        "acl bl_uploads method POST PUT PATCH",
    ]
    if s.icap_domains_file:
        lines.append(f'acl bl_inspected dstdomain "{s.icap_domains_file}"')
    return [
        *lines,
        f"adaptation_access boardline_req allow bl_uploads{inspected}",
        "adaptation_access boardline_req deny all",
    ]


def _ssl_bump_lines(s: SquidSettings, bump_file: str) -> list[str]:
    """Decrypt only the inspected categories' sites; never the never-bump list.

    Step 1 peeks at the client's hello to learn the site's name (SNI, or the
    CONNECT host without one); the decision is then made at step 2 on that
    name, before anything is sent to the browser. Order matters: the
    never-bump list is spliced first, so a bank under a bumped parent domain
    stays private; everything not on the bump list is spliced too, i.e.
    tunnelled untouched, as it would be without interception. A bumped
    request is an ordinary request to Squid afterwards: the helper decides
    it and uploads go to ICAP like plain-HTTP ones.
    """
    lines = [
        "",
        "# HTTPS interception: only the inspected categories are decrypted (bumped).",
        f"sslcrtd_program {s.cert_generator} -s {s.cert_db_dir} -M 4MB",
        "sslcrtd_children 4 startup=1 idle=1",
    ]
    if s.tls_outgoing_cafile:
        lines.append(f"tls_outgoing_options cafile={s.tls_outgoing_cafile}")
    lines += ["acl bl_step1 at_step SslBump1"]
    if s.never_bump_domains_file:
        lines.append(f'acl bl_never_bump ssl::server_name "{s.never_bump_domains_file}"')
    lines += [
        f'acl bl_bump ssl::server_name "{bump_file}"',
        "ssl_bump peek bl_step1",
    ]
    if s.never_bump_domains_file:
        lines.append("ssl_bump splice bl_never_bump")
    return [*lines, "ssl_bump bump bl_bump", "ssl_bump splice all"]


def check_bump_lists(bump: Iterable[str], never_bump: Iterable[str], *, source: str) -> None:
    """Refuse lists that would decrypt a site the district promised never to decrypt.

    A bump entry equal to, or under, a never-bump entry is a contradiction
    (``bank.example`` never, ``online.bank.example`` bump) and is reported;
    a never-bump entry under a bump entry is a carve-out and is allowed
    (``example.org`` bumped, ``health.example.org`` spliced), since the
    generated rules splice the never-bump list first.
    """
    never = set(never_bump)
    problems = []
    for domain in sorted(set(bump)):
        parts = domain.split(".")
        hit = next(
            (".".join(parts[i:]) for i in range(len(parts)) if ".".join(parts[i:]) in never), None
        )
        if hit is not None:
            message = (
                f"{domain!r} is on the bump list but {hit!r} is never decrypted; "
                "remove it from one of the lists"
            )
            problems.append(Problem(Place(source, field="bump_domains"), message))
    if problems:
        raise InputError(problems)


def _external_acl_line(s: SquidSettings) -> str:
    options = [f"ttl={s.ttl}", f"negative_ttl={s.negative_ttl}"]
    if s.concurrency > 0:
        options.append(f"concurrency={s.concurrency}")
    options += [f"children-max={s.children_max}", "children-startup=0", "children-idle=1"]
    if s.queue_size is not None:
        options.append(f"queue-size={s.queue_size}")
    return (
        f"external_acl_type boardline {' '.join(options)} "
        f"{helper_format(s.fields, s.time_bucket)} {helper_command_line(s)}"
    )


# -- dstdomain lists ----------------------------------------------------------------


def parse_domain_list(text: str, *, source: str) -> tuple[str, ...]:
    """Read a domain list (UT1 ``domains`` format: one per line, ``#`` comments).

    Each entry stands for the domain and all its sub-domains. Entries are
    lower-cased; a leading ``*.`` or ``.`` and a trailing ``.`` are accepted.
    Every malformed entry is reported with its line number.
    """
    domains: list[str] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        domain = _normal_domain(entry)
        if domain is None:
            problems.append(Problem(Place(source, number), f"{entry!r} is not a domain name"))
        else:
            domains.append(domain)
    if problems:
        raise InputError(problems)
    return tuple(domains)


def _normal_domain(entry: str) -> str | None:
    domain = entry.lower().removeprefix("*.").removeprefix(".").removesuffix(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        return None
    return domain


def render_domain_acl(domains: Iterable[str]) -> str:
    """A Squid ``dstdomain`` file: ``.domain`` per line, without redundant entries.

    Squid warns about (and ignores) an entry already covered by a parent
    domain, so those are dropped here; IPv4 addresses are kept literal.
    """
    # Sorting on the reversed name puts every parent before its sub-domains.
    unique = sorted(set(domains), key=lambda d: ".".join(reversed(d.split("."))))
    kept: set[str] = set()
    lines = ["# Generated by Boardline: each entry matches the domain and its sub-domains."]
    for domain in unique:
        if _is_ipv4(domain):
            lines.append(domain)
            continue
        dot = domain.find(".")
        covered = False
        while dot >= 0 and not covered:
            covered = domain[dot + 1 :] in kept
            dot = domain.find(".", dot + 1)
        if not covered:
            kept.add(domain)
            lines.append("." + domain)
    return "\n".join(lines) + "\n"


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _is_ipv4(text: str) -> bool:
    if not _DOTTED_QUAD.fullmatch(text):
        return False
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
