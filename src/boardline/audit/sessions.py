"""The visits of sorted hits, walked by compiled code (numba; see :mod:`.jit`).

:mod:`~boardline.audit.visits` sorts the hits that count by person and site, then
time and log position, and hands them here a batch at a time; :func:`sessions`
turns them into visits, carrying the session still open at the end of a batch
into the next. Kept apart from :mod:`~boardline.audit.visits` so that importing
the audit (every command of the CLI does) does not import numba.
"""

from __future__ import annotations

import numpy as np

from boardline.audit.jit import kernel


@kernel
def _visit(
    numbers: np.ndarray,
    spans: np.ndarray,
    out: int,
    rid: int,
    source: int,
    rank: int,
    navigation: int,
    hits: int,
    started: float,
    ended: float,
) -> int:
    """Write visit number ``out``; the next one's number."""
    numbers[out, 0] = rid
    numbers[out, 1] = source
    numbers[out, 2] = rank
    numbers[out, 3] = navigation
    numbers[out, 4] = hits
    spans[out, 0] = started
    spans[out, 1] = ended
    return out + 1


@kernel
def _close(
    numbers: np.ndarray, spans: np.ndarray, out: int, state: np.ndarray, times: np.ndarray
) -> int:
    """Write the open session (``state``: open, pair, rank, rid, source, hits) as a visit."""
    return _visit(
        numbers, spans, out, state[3], state[4], state[2], 0, state[5], times[1], times[0]
    )


@kernel
def sessions(
    pair: np.ndarray,
    ts: np.ndarray,
    rank: np.ndarray,
    rid: np.ndarray,
    navigation: np.ndarray,
    source: np.ndarray,
    window: float,
    state: np.ndarray,
    times: np.ndarray,
    last: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Visits of one batch of sorted hits; ``state``/``times`` carry the open session.

    A navigation is a visit of its own and leaves sessions alone. Other hits of one
    pair form a session until the gap to the previous one exceeds ``window``; its
    representative is its first hit with the worst effect. Returns ``(numbers, spans)``:
    per visit ``rid, source, rank, navigation, hits`` and ``started, ended``. ``state``
    is ``open, pair, rank, rid, source, hits`` and ``times`` ``last, started``.
    """
    n = pair.shape[0]
    numbers = np.empty((n + 1, 5), np.int64)
    spans = np.empty((n + 1, 2), np.float64)
    out = 0
    for i in range(n):
        if navigation[i]:
            out = _visit(numbers, spans, out, rid[i], source[i], rank[i], 1, 1, ts[i], ts[i])
            continue
        if state[0] == 1 and state[1] == pair[i] and not ts[i] - times[0] > window:
            state[5] += 1
            if rank[i] > state[2]:
                state[2] = rank[i]
                state[3] = rid[i]
                state[4] = source[i]
            times[0] = ts[i]
            continue
        if state[0] == 1:
            out = _close(numbers, spans, out, state, times)
        state[0] = 1
        state[1] = pair[i]
        state[2] = rank[i]
        state[3] = rid[i]
        state[4] = source[i]
        state[5] = 1
        times[0] = ts[i]
        times[1] = ts[i]
    if last and state[0] == 1:
        out = _close(numbers, spans, out, state, times)
        state[0] = 0
    return numbers[:out], spans[:out]
