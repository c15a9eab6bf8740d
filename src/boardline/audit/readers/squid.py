"""Squid access-log lines to ``web_events`` rows: the reference parser.

Four formats, named as Squid names them:

``squid``
    Squid's native format, ``%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un
    %Sh/%<a %mt``.
``boardline``
    The native fields followed by ``key=value`` notes, as
    :func:`boardline.enforcement.squid.config.render_squid_config` writes them:
    ``sfd=`` / ``sfm=`` (the ``Sec-Fetch-Dest`` / ``Sec-Fetch-Mode`` request
    headers), ``ea=`` (the helper's ``log=``: decision id, effect, rule) and the
    helper's notes (``decision_id=``, ``rule=``, ...). Native lines with notes
    are read the same way, so the two formats share one grammar.
``common`` / ``combined``
    ``%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st`` (+ ``"%{Referer}>h"
    "%{User-Agent}>h"`` for combined) and Squid's ``%Ss:%Sh`` at the end.

The grammar is deliberately plain so that :mod:`~boardline.audit.readers.squid_jit`
(the compiled fast path) can implement the same rules byte by byte, and a test
holds the two to identical rows and errors:

* native fields are separated by runs of spaces (``%6tr`` pads with spaces);
  leading and trailing spaces do not count; tabs are not separators;
* regular expressions use explicit ASCII classes (``[0-9]``, ``[^ ]``), never
  ``\\d`` / ``\\s``, whose meaning differs between Python and RE2;
* a URL is ``scheme://[userinfo@]host[:port][path]``: the host lower-cased,
  without brackets, port or trailing dots; the path keeps its query, and is
  ``/`` when empty. A ``CONNECT`` target is ``host:port`` and its path ``''``.
  Squid's own ``error:...`` pseudo-URLs (a client that sent no request) are
  skipped, not errors;
* an HTTP status of ``000`` (no reply) is stored as unknown (NULL).

Which lines are top-level navigations (``top_level``): with ``sfd=``
(``Sec-Fetch-Dest``) logged, a line is one when the destination is ``document``
(and the mode, if logged, ``navigate``), and is not one otherwise (``image``,
``iframe``, ``script``, ``empty`` ...); with only ``sfm=``, a mode other than
``navigate`` says "not a navigation" and ``navigate`` says nothing (a frame
navigates too); with neither, it is unknown (NULL), and the audit falls back to
collapsing sessions.
"""

from __future__ import annotations

import calendar
import re
from typing import Final

from boardline.audit.readers.errors import MALFORMED, OUT_OF_RANGE, Bad, Skip
from boardline.audit.readers.rows import WebRow

NATIVE_FORMATS: Final = ("squid", "boardline")
COMMON_FORMATS: Final = ("common", "combined")
FORMATS: Final = (*NATIVE_FORMATS, *COMMON_FORMATS)

#: Epoch seconds a log timestamp may take: 2000-01-01 up to (not including) 2100.
TS_MIN: Final = 946684800.0
TS_MAX: Final = 4102444800.0
YEAR_MIN: Final = 2000
YEAR_MAX: Final = 2099

# The native grammar, field by field (the compiled fast path checks the same classes).
RX_TS: Final = r"[0-9]{1,10}\.[0-9]{3}"
RX_ELAPSED: Final = r"-?[0-9]{1,10}"
RX_CODE: Final = r"[A-Z_]+/[0-9]{3}"
RX_BYTES: Final = r"[0-9]{1,15}"
RX_METHOD: Final = r"[A-Za-z0-9_-]+"
RX_HIER: Final = r"[A-Za-z_]+/[^ ]*"
RX_NOTE: Final = r"[A-Za-z0-9_.-]+=[^ ]*"
_HOST: Final = r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+"
RX_CONNECT: Final = rf"({_HOST})(?::[0-9]{{1,5}})?"
RX_URL: Final = rf"[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@ ]*@)?({_HOST})(?::[0-9]*)?([/?#][^ ]*)?"

MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Prefixes of a common/combined line, each one field longer, to name the bad field.
RX_COMMON_STEPS: Final = (
    (r"[^ ]+ [^ ]+ [^ ]+ \[", "client, ident and user (fields 1-3)"),
    (
        r"[^ ]+ [^ ]+ [^ ]+ \[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2}"
        r" [+-][0-9]{4}\](?: |$)",
        "time (field 4): not [dd/Mon/yyyy:HH:MM:SS +zzzz]",
    ),
    (
        r"[^ ]+ [^ ]+ [^ ]+ \[[^\]]*\] \"[^ \"]+ [^ \"]+(?: HTTP/[0-9.]+)?\"(?: |$)",
        'request (field 5): not "METHOD URL HTTP/x.y"',
    ),
    (
        r"[^ ]+ [^ ]+ [^ ]+ \[[^\]]*\] \"[^\"]*\" [0-9]{3}(?: |$)",
        "status (field 6): not three digits",
    ),
    (
        r"[^ ]+ [^ ]+ [^ ]+ \[[^\]]*\] \"[^\"]*\" [0-9]{3} (?:[0-9]{1,15}|-)(?: |$)",
        "bytes (field 7): not a number or '-'",
    ),
)
RX_COMMON: Final = (
    r"([^ ]+) [^ ]+ ([^ ]+) \[([0-9]{2})/([A-Za-z]{3})/([0-9]{4}):([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r" ([+-])([0-9]{2})([0-9]{2})\] \"([^ \"]+) ([^ \"]+)(?: HTTP/[0-9.]+)?\" ([0-9]{3})"
    r" ([0-9]{1,15}|-)(?: \"(?:[^\"\\]|\\.)*\" \"(?:[^\"\\]|\\.)*\")?(?: [A-Z_]+:[A-Za-z_]+)? *"
)
COMMON_TAIL_DETAIL: Final = "referer, user agent or squid status (fields 8-): unexpected text"

_TS = re.compile(RX_TS)
_ELAPSED = re.compile(RX_ELAPSED)
_CODE = re.compile(RX_CODE)
_BYTES = re.compile(RX_BYTES)
_METHOD = re.compile(RX_METHOD)
_HIER = re.compile(RX_HIER)
_NOTE = re.compile(RX_NOTE)
_CONNECT = re.compile(RX_CONNECT)
_URL = re.compile(RX_URL)
_COMMON = re.compile(RX_COMMON)
_COMMON_STEPS = tuple((re.compile(rx), detail) for rx, detail in RX_COMMON_STEPS)

BLANK: Final = Skip("blank")
SQUID_ERROR: Final = Skip("squid_error")
Parsed = WebRow | Bad | Skip


def parse_line(text: str, fmt: str) -> Parsed:
    """One line (without its newline) of a Squid log in ``fmt`` (see :data:`FORMATS`)."""
    if not text.strip(" \t"):
        return BLANK
    if fmt in COMMON_FORMATS:
        return _parse_common(text)
    return _parse_native(text)


def _parse_native(text: str) -> Parsed:
    f = [x for x in text.split(" ") if x]
    if len(f) < 10:
        return Bad(MALFORMED, f"fields: expected 10 space-separated fields, found {len(f)}")
    if not all(_NOTE.fullmatch(x) for x in f[10:]):
        return Bad(MALFORMED, "notes (fields 11-): not key=value")
    if not _TS.fullmatch(f[0]):
        return Bad(MALFORMED, "timestamp (field 1): not seconds.milliseconds")
    ts = float(f[0])
    if not TS_MIN <= ts < TS_MAX:
        return Bad(OUT_OF_RANGE, "timestamp (field 1): before 2000 or after 2099")
    if not _ELAPSED.fullmatch(f[1]):
        return Bad(MALFORMED, "elapsed (field 2): not a number")
    if not _CODE.fullmatch(f[3]):
        return Bad(MALFORMED, "result/status (field 4): not CODE/nnn")
    if not _BYTES.fullmatch(f[4]):
        return Bad(MALFORMED, "bytes (field 5): not a number")
    if not _METHOD.fullmatch(f[5]):
        return Bad(MALFORMED, "method (field 6): not a method name")
    if not _HIER.fullmatch(f[8]):
        return Bad(MALFORMED, "hierarchy (field 9): not CODE/peer")
    target = _target(f[5], f[6], "url (field 7)")
    if isinstance(target, (Bad, Skip)):
        return target
    host, path = target
    status = int(f[3][-3:])
    notes = f[10:]
    return WebRow(
        ts,
        f[2],
        None if f[7] == "-" else f[7],
        f[5],
        host,
        path,
        status or None,
        int(f[4]),
        _top_level(_note(notes, "sfd"), _note(notes, "sfm")),
        _decision_id(_note(notes, "decision_id"), _note(notes, "ea")),
    )


def _target(method: str, url: str, field: str) -> tuple[str, str] | Bad | Skip:
    """``(host, path)`` of a request target, by the module's URL rules."""
    if method == "CONNECT":
        match = _CONNECT.fullmatch(url)
        if match is None:
            return Bad(MALFORMED, f"{field}: CONNECT target is not host:port")
        path = ""
    else:
        if url.startswith("error:"):
            return SQUID_ERROR
        match = _URL.fullmatch(url)
        if match is None:
            return Bad(MALFORMED, f"{field}: not scheme://host/path")
        path = match.group(2) or ""
        if not path.startswith("/"):
            path = "/" + path
    host = match.group(1).lower().strip("[]").rstrip(".")
    if not host:
        return Bad(MALFORMED, f"{field}: empty host")
    return host, path


def _note(notes: list[str], key: str) -> str | None:
    prefix = key + "="
    for token in notes:
        if token.startswith(prefix):
            value = token[len(prefix) :]
            return None if value in ("", "-") else value
    return None


def _top_level(dest: str | None, mode: str | None) -> bool | None:
    if dest is not None:
        return dest == "document" and mode in (None, "navigate")
    if mode is not None and mode != "navigate":
        return False
    return None


def _decision_id(note: str | None, ea: str | None) -> str | None:
    """The ``decision_id`` note, else the first word of the helper's ``log=`` (``ea``)."""
    if note is not None:
        return note
    if ea is None:
        return None
    first = ea.split("%20", 1)[0].removeprefix("decision=")
    return None if not first or "=" in first else first


def _parse_common(text: str) -> Parsed:
    match = _COMMON.fullmatch(text)
    if match is None:
        for step, detail in _COMMON_STEPS:
            if step.match(text) is None:
                return Bad(MALFORMED, detail)
        return Bad(MALFORMED, COMMON_TAIL_DETAIL)
    g = match.groups()
    ts = _common_time(g[2:11])
    if ts is None:
        return Bad(OUT_OF_RANGE, "time (field 4): no such date or time")
    if not _METHOD.fullmatch(g[11]):
        return Bad(MALFORMED, "request (field 5): not a method name")
    target = _target(g[11], g[12], "request (field 5)")
    if isinstance(target, (Bad, Skip)):
        return target
    host, path = target
    return WebRow(
        ts,
        g[0],
        None if g[1] == "-" else g[1],
        g[11],
        host,
        path,
        int(g[13]) or None,
        None if g[14] == "-" else int(g[14]),
        None,
        None,
    )


def _common_time(g: tuple[str, ...]) -> float | None:
    """Epoch seconds of ``[dd/Mon/yyyy:HH:MM:SS +zzzz]``, or None for an impossible one."""
    day, mon, year, hour, minute, second, sign, oh, om = g
    if mon not in MONTHS:
        return None
    y, m, d = int(year), MONTHS.index(mon) + 1, int(day)
    if not YEAR_MIN <= y <= YEAR_MAX or not 1 <= d <= calendar.monthrange(y, m)[1]:
        return None
    hh, mm, ss, offset_h, offset_m = int(hour), int(minute), int(second), int(oh), int(om)
    if hh > 23 or mm > 59 or ss > 59 or offset_h > 23 or offset_m > 59:
        return None
    offset = (offset_h * 3600 + offset_m * 60) * (1 if sign == "+" else -1)
    return float(calendar.timegm((y, m, d, hh, mm, ss)) - offset)
