"""The Squid fast path: native and Boardline lines split and checked by compiled code.

Parsing a line with the reference parser costs several microseconds of Python,
and the earlier fast path (one DuckDB query per chunk: an RE2 shape check,
``string_split``, a capturing ``regexp_extract`` for the URL) still took about two
microseconds of CPU a line, half of a ten-million-line audit. Most of that was
general machinery applied to lines that all look alike. Here one pass of machine
code (numba, compiled on first use and cached on disk) walks the bytes of a
whole chunk, checks each line against the grammar of
:mod:`~boardline.audit.readers.squid` and records where its fields are; the
accepted lines' columns are gathered into Arrow buffers (host lower-cased, a
``/`` put before a path that lacks one) and DuckDB inserts them in one
statement.

The kernel is deliberately *conservative*: it accepts the shapes Squid writes
(single spaces between fields, the elapsed time padded, ``scheme://[user@]host
[:port][path]`` or ``host:port`` targets with names or IPv6 literals,
``key=value`` notes) and refuses everything else: tabs and control bytes,
non-ASCII text, runs of spaces past the timestamp, Squid's ``error:``
pseudo-URLs, out-of-range times, damage of any kind. A refused line is never
lost: the loader hands it to the reference parser, which reads it or says why
in the same words whichever path read the file. So the kernel may refuse more
than it needs to, but must never accept a line the reference parser reads
differently; ``test_squid_jit.py`` holds the two to identical rows, errors and
counts on the fixtures, on damaged files and on generated lines and garbage.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from boardline.audit.jit import kernel
from boardline.audit.readers import squid

_TS_MIN_MS: Final = int(squid.TS_MIN) * 1000
_TS_MAX_MS: Final = int(squid.TS_MAX) * 1000

# Columns of the integer result, one row per line.
_OK, _TS_MS, _STATUS, _BYTES, _TOP = 0, 1, 2, 3, 4
_CLIENT, _USER, _METHOD, _HOST, _PATH, _DECISION = 5, 7, 9, 11, 13, 15  # (start, end) pairs
_SLASH = 17
_WIDTH: Final = 18
#: ``top_level`` codes: unknown (NULL), false, true.
_TOP_NULL, _TOP_FALSE, _TOP_TRUE = 0, 1, 2


def _word(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("ascii"), np.uint8).copy()


# The words the kernel compares bytes with; numba compiles them in as constants.
_W_CONNECT: Final = _word("CONNECT")
_W_ERROR: Final = _word("error:")
_W_SFD: Final = _word("sfd")
_W_SFM: Final = _word("sfm")
_W_DECISION_ID: Final = _word("decision_id")
_W_EA: Final = _word("ea")
_W_DOCUMENT: Final = _word("document")
_W_NAVIGATE: Final = _word("navigate")
_W_PCT20: Final = _word("%20")
_W_DECISION: Final = _word("decision=")
_W_EQUALS: Final = _word("=")


class Parsed(NamedTuple):
    """The accepted lines of a chunk as Arrow columns, and the indexes of the refused."""

    #: Index (0-based, within the chunk) of every accepted line.
    taken: np.ndarray
    columns: dict[str, pa.Array]
    refused: np.ndarray
    #: Where each line starts in the chunk's bytes (and, last, where the last one ends).
    offsets: np.ndarray


@kernel
def _digit(c: int) -> bool:
    return 48 <= c <= 57


@kernel
def _alpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122


@kernel
def _host_char(c: int) -> bool:
    # [A-Za-z0-9._-]
    return _alpha(c) or _digit(c) or c in (46, 95, 45)


@kernel
def _all_digits(buf: np.ndarray, a: int, b: int) -> bool:
    for k in range(a, b):  # noqa: SIM110 (a plain loop compiles to a tight one)
        if not _digit(buf[k]):
            return False
    return True


@kernel
def _number(buf: np.ndarray, a: int, b: int) -> int:
    value = 0
    for k in range(a, b):
        value = value * 10 + (buf[k] - 48)
    return value


@kernel
def _equals(buf: np.ndarray, a: int, b: int, word: np.ndarray) -> bool:
    if b - a != word.shape[0]:
        return False
    for k in range(word.shape[0]):  # noqa: SIM110
        if buf[a + k] != word[k]:
            return False
    return True


@kernel
def _find(buf: np.ndarray, a: int, b: int, word: np.ndarray) -> int:
    """First position of ``word`` in ``buf[a:b]``, or -1."""
    n = word.shape[0]
    for k in range(a, b - n + 1):
        hit = True
        for j in range(n):
            if buf[k + j] != word[j]:
                hit = False
                break
        if hit:
            return k
    return -1


@kernel
def _host(buf: np.ndarray, k: int, b: int, row: np.ndarray) -> int:
    """A host at ``buf[k:]`` into ``row``, as the reference reads it; the position after it.

    ``[A-Za-z0-9._-]+`` or an IPv6 literal ``\\[[0-9A-Fa-f:.]+\\]``, kept lower-cased
    (by the gather) without its brackets or trailing dots; -1 when there is none or
    nothing is left of it.
    """
    if k < b and buf[k] == 91:
        j = k + 1
        while j < b and (
            _digit(buf[j])
            or 65 <= buf[j] <= 70
            or 97 <= buf[j] <= 102
            or buf[j] == 58
            or buf[j] == 46
        ):
            j += 1
        if j == k + 1 or j >= b or buf[j] != 93:
            return -1
        first, last, after = k + 1, j, j + 1
    else:
        j = k
        while j < b and _host_char(buf[j]):
            j += 1
        if j == k:
            return -1
        first, last, after = k, j, j
    while last > first and buf[last - 1] == 46:
        last -= 1
    if last == first:
        return -1
    row[_HOST] = first
    row[_HOST + 1] = last
    return after


@kernel
def _target(buf: np.ndarray, a: int, b: int, connect: bool, row: np.ndarray) -> bool:
    """Host and path of a request target into ``row``; False to refuse the line."""
    if connect:
        # host[:port], port [0-9]{1,5}; the path is ''.
        k = _host(buf, a, b, row)
        if k < 0:
            return False
        if k < b and (
            buf[k] != 58 or b - k - 1 < 1 or b - k - 1 > 5 or not _all_digits(buf, k + 1, b)
        ):
            return False
        row[_PATH] = b
        row[_PATH + 1] = b
        row[_SLASH] = 0
        return True
    # scheme://[userinfo@]host[:port][path], scheme [A-Za-z][A-Za-z0-9+.-]*.
    if a >= b or not _alpha(buf[a]):
        return False
    k = a + 1
    while k < b and (_alpha(buf[k]) or _digit(buf[k]) or buf[k] in (43, 46, 45)):
        k += 1
    if b - k < 3 or buf[k] != 58 or buf[k + 1] != 47 or buf[k + 2] != 47:
        return False
    k += 3
    # User information runs to the first '@' before the path starts (it holds no '@').
    j = k
    while j < b and buf[j] not in (47, 63, 35, 64):
        j += 1
    if j < b and buf[j] == 64:
        k = j + 1
    k = _host(buf, k, b, row)
    if k < 0:
        return False
    if k < b and buf[k] == 58:
        k += 1
        while k < b and _digit(buf[k]):
            k += 1
    if k < b and buf[k] not in (47, 63, 35):
        return False
    row[_PATH] = k
    row[_PATH + 1] = b
    row[_SLASH] = 1 if k == b or buf[k] != 47 else 0
    return True


@kernel
def _line(
    buf: np.ndarray,
    a: int,
    b: int,
    row: np.ndarray,
    spans: np.ndarray,
) -> bool:
    """Check one line ``buf[a:b]`` (no newline) and fill ``row``; False to refuse it."""
    # One CR before the newline is dropped (CRLF files); every other byte must be
    # printable ASCII (tabs, controls and other encodings are the reference parser's):
    # the timestamp's bytes are checked as digits, the rest while splitting.
    if b > a and buf[b - 1] == 13:
        b -= 1
    # Field 1, the timestamp: [0-9]{1,10}\.[0-9]{3}, then one or more spaces.
    k = a
    while k < b and _digit(buf[k]):
        k += 1
    whole = k - a
    if whole < 1 or whole > 10 or b - k < 5 or buf[k] != 46:
        return False
    if not _all_digits(buf, k + 1, k + 4) or buf[k + 4] != 32:
        return False
    ms = _number(buf, a, k) * 1000 + _number(buf, k + 1, k + 4)
    if ms < _TS_MIN_MS or ms >= _TS_MAX_MS:
        return False
    row[_TS_MS] = ms
    k += 4
    while k < b and buf[k] == 32:
        k += 1
    # Fields 2-10 and the notes, split on single spaces: field i (0 is field 2) spans
    # starts[2 i] to starts[2 i + 1].
    starts = spans
    count = 0
    s = k
    for j in range(k, b + 1):
        if j < b and (buf[j] < 32 or buf[j] > 126):
            return False
        if j == b or buf[j] == 32:
            if j == s:
                return False  # two spaces in a row, or a trailing space
            if count >= starts.shape[0] // 2:
                return False
            starts[2 * count] = s
            starts[2 * count + 1] = j
            count += 1
            s = j + 1
    if count < 9:
        return False
    # Field 2, elapsed: -?[0-9]{1,10}
    e0, e1 = starts[0], starts[1]
    if buf[e0] == 45:
        e0 += 1
    if e1 - e0 < 1 or e1 - e0 > 10 or not _all_digits(buf, e0, e1):
        return False
    # Field 3, client: any characters.
    row[_CLIENT] = starts[2]
    row[_CLIENT + 1] = starts[3]
    # Field 4, result/status: [A-Z_]+/[0-9]{3}
    c0, c1 = starts[4], starts[5]
    k = c0
    while k < c1 and (65 <= buf[k] <= 90 or buf[k] == 95):
        k += 1
    if k == c0 or c1 - k != 4 or buf[k] != 47 or not _all_digits(buf, k + 1, c1):
        return False
    row[_STATUS] = _number(buf, k + 1, c1)
    # Field 5, bytes: [0-9]{1,15}
    n0, n1 = starts[6], starts[7]
    if n1 - n0 < 1 or n1 - n0 > 15 or not _all_digits(buf, n0, n1):
        return False
    row[_BYTES] = _number(buf, n0, n1)
    # Field 6, method: [A-Za-z0-9_-]+
    m0, m1 = starts[8], starts[9]
    for k in range(m0, m1):
        c = buf[k]
        if not (_alpha(c) or _digit(c) or c in (95, 45)):
            return False
    row[_METHOD] = m0
    row[_METHOD + 1] = m1
    # Field 7, the target.
    t0, t1 = starts[10], starts[11]
    connect = _equals(buf, m0, m1, _W_CONNECT)
    if not connect and t1 - t0 >= 6 and _equals(buf, t0, t0 + 6, _W_ERROR):
        return False
    if not _target(buf, t0, t1, connect, row):
        return False
    # Field 8, user: '-' is nobody.
    row[_USER] = starts[12]
    row[_USER + 1] = starts[13]
    if starts[13] - starts[12] == 1 and buf[starts[12]] == 45:
        row[_USER] = -1
    # Field 9, hierarchy: [A-Za-z_]+/[^ ]*
    h0, h1 = starts[14], starts[15]
    k = h0
    while k < h1 and (_alpha(buf[k]) or buf[k] == 95):
        k += 1
    if k in (h0, h1) or buf[k] != 47:
        return False
    # Field 10, the MIME type: any characters. Then the notes: [A-Za-z0-9_.-]+=[^ ]*
    sfd0 = sfd1 = sfm0 = sfm1 = did0 = did1 = ea0 = ea1 = -1
    for i in range(9, count):
        n0, n1 = starts[2 * i], starts[2 * i + 1]
        k = n0
        while k < n1 and (_alpha(buf[k]) or _digit(buf[k]) or buf[k] in (95, 46, 45)):
            k += 1
        if k in (n0, n1) or buf[k] != 61:
            return False
        v0, v1 = k + 1, n1
        if sfd0 < 0 and _equals(buf, n0, k, _W_SFD):
            sfd0, sfd1 = v0, v1
        elif sfm0 < 0 and _equals(buf, n0, k, _W_SFM):
            sfm0, sfm1 = v0, v1
        elif did0 < 0 and _equals(buf, n0, k, _W_DECISION_ID):
            did0, did1 = v0, v1
        elif ea0 < 0 and _equals(buf, n0, k, _W_EA):
            ea0, ea1 = v0, v1
    # A value of '' or '-' is no value (the first note of the name still counts).
    dest = sfd0 >= 0 and not (sfd1 == sfd0 or (sfd1 - sfd0 == 1 and buf[sfd0] == 45))
    mode = sfm0 >= 0 and not (sfm1 == sfm0 or (sfm1 - sfm0 == 1 and buf[sfm0] == 45))
    if dest:
        navigate = not mode or _equals(buf, sfm0, sfm1, _W_NAVIGATE)
        row[_TOP] = _TOP_TRUE if _equals(buf, sfd0, sfd1, _W_DOCUMENT) and navigate else _TOP_FALSE
    elif mode and not _equals(buf, sfm0, sfm1, _W_NAVIGATE):
        row[_TOP] = _TOP_FALSE
    else:
        row[_TOP] = _TOP_NULL
    row[_DECISION] = -1
    if did0 >= 0 and not (did1 == did0 or (did1 - did0 == 1 and buf[did0] == 45)):
        row[_DECISION] = did0
        row[_DECISION + 1] = did1
    elif ea0 >= 0 and not (ea1 == ea0 or (ea1 - ea0 == 1 and buf[ea0] == 45)):
        cut = _find(buf, ea0, ea1, _W_PCT20)
        f0, f1 = ea0, ea1 if cut < 0 else cut
        skip = _W_DECISION.shape[0]
        if f1 - f0 >= skip and _equals(buf, f0, f0 + skip, _W_DECISION):
            f0 += skip
        if f1 > f0 and _find(buf, f0, f1, _W_EQUALS) < 0:
            row[_DECISION] = f0
            row[_DECISION + 1] = f1
    return True


#: The string columns, in the order of :func:`_scan`'s buffers, with their ``row`` slot.
_STRING_COLUMNS: Final = (
    ("client", _CLIENT),
    ("username", _USER),
    ("method", _METHOD),
    ("host", _HOST),
    ("path", _PATH),
    ("decision_id", _DECISION),
)
_NULLABLE: Final = ("username", "decision_id")


@kernel
def _scan(
    buf: np.ndarray, offsets: np.ndarray, max_fields: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check every line and write the accepted lines' columns as Arrow buffers, in one pass.

    Returns ``(numbers, refused, string_offsets, string_data, ends)``: per accepted
    line its index in the chunk, milliseconds, status, bytes, ``top_level`` code and
    whether its username and decision id are present (1) or NULL (0); the indexes of
    the refused lines; and for each string column of :data:`_STRING_COLUMNS` its
    Arrow offsets and bytes (``string_data[j, :ends[j]]``; a NULL is an empty slot).
    """
    lines = offsets.shape[0] - 1
    numbers = np.empty((lines, 7), np.int64)
    refused = np.empty(lines, np.int64)
    string_offsets = np.zeros((6, lines + 1), np.int64)
    # Every column's bytes fit in the chunk's (plus one '/' a line for paths).
    string_data = np.empty((6, buf.shape[0] + lines), np.uint8)
    ends = np.zeros(6, np.int64)
    row = np.empty(_WIDTH, np.int64)
    spans = np.empty(2 * max_fields, np.int64)
    taken = 0
    left = 0
    for i in range(lines):
        if not _line(buf, offsets[i], offsets[i + 1] - 1, row, spans):
            refused[left] = i
            left += 1
            continue
        numbers[taken, 0] = i
        numbers[taken, 1] = row[_TS_MS]
        numbers[taken, 2] = row[_STATUS]
        numbers[taken, 3] = row[_BYTES]
        numbers[taken, 4] = row[_TOP]
        numbers[taken, 5] = 1 if row[_USER] >= 0 else 0
        numbers[taken, 6] = 1 if row[_DECISION] >= 0 else 0
        for j in range(6):
            slot = (_CLIENT, _USER, _METHOD, _HOST, _PATH, _DECISION)[j]
            at = ends[j]
            a = row[slot]
            if a >= 0:
                if j == 4 and row[_SLASH]:
                    string_data[j, at] = 47
                    at += 1
                for k in range(a, row[slot + 1]):
                    c = buf[k]
                    if j == 3 and 65 <= c <= 90:
                        c += 32
                    string_data[j, at] = c
                    at += 1
            ends[j] = at
            string_offsets[j, taken + 1] = at
        taken += 1
    return numbers[:taken], refused[:left], string_offsets[:, : taken + 1], string_data, ends


#: Fields 2-10 and at most this many notes; a line with more goes to the reference parser.
MAX_NOTES: Final = 32


def parse_chunk(data: bytes, lines: int) -> Parsed:
    """Split and check the ``lines`` newline-terminated lines of ``data``.

    The columns are ``web_events``' (without source, line and kind) for the lines
    accepted, in their order.
    """
    buf = np.frombuffer(data, np.uint8)
    offsets = np.empty(lines + 1, np.int64)
    offsets[0] = 0
    offsets[1:] = np.flatnonzero(buf == 0x0A) + 1
    numbers, refused, string_offsets, string_data, ends = _scan(buf, offsets, 9 + MAX_NOTES)
    taken = len(numbers)
    status = numbers[:, 2]
    top = numbers[:, 4]
    columns: dict[str, pa.Array] = {"ts": pa.array(numbers[:, 1] / 1000.0, pa.float64())}
    for j, (name, _slot) in enumerate(_STRING_COLUMNS):
        bitmap = None
        if name in _NULLABLE:
            valid = numbers[:, 5 if name == "username" else 6] == 1
            if not valid.all():
                bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        columns[name] = pa.LargeStringArray.from_buffers(
            taken,
            pa.py_buffer(np.ascontiguousarray(string_offsets[j])),
            pa.py_buffer(string_data[j, : ends[j]]),
            bitmap,
        )
    columns["status"] = pa.array(status.astype(np.int32), pa.int32(), mask=status == 0)
    columns["bytes"] = pa.array(numbers[:, 3], pa.int64())
    columns["top_level"] = pa.array(top == _TOP_TRUE, pa.bool_(), mask=top == _TOP_NULL)
    order = ("ts", "client", "username", "method", "host", "path", "status", "bytes")
    ordered = {name: columns[name] for name in (*order, "top_level", "decision_id")}
    return Parsed(numbers[:, 0].copy(), ordered, refused, offsets)
