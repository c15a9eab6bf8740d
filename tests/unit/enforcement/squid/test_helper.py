"""The helper loop: answers every line it can address, never dies on input, exits on EOF."""

from __future__ import annotations

import io
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.enforcement.squid.helper import MAX_LINE, run_helper
from boardline.enforcement.squid.protocol import HelperRequest, HelperVerdict, parse_reply

FIELDS = ("src", "user", "method", "host", "port", "path", "bucket", "data")


class FakeDecider:
    """Denies facebook.com and its sub-domains; raises for boom.example."""

    def __init__(self) -> None:
        self.requests: list[HelperRequest] = []

    def decide(self, request: HelperRequest) -> HelperVerdict:
        self.requests.append(request)
        if request.host == "boom.example":
            msg = "engine fell over"
            raise RuntimeError(msg)
        denied = request.host == "facebook.com" or request.host.endswith(".facebook.com")
        return HelperVerdict(
            allow=not denied,
            message="blocked by 5460" if denied else "",
            log=f"rule={'social' if denied else 'default'}",
            notes={"decision_id": f"d{len(self.requests)}"},
        )


class Chunked(io.BytesIO):
    """An input that hands out at most ``size`` bytes per read, like a slow pipe."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.size = size

    def read1(self, size: int | None = -1, /) -> bytes:
        return super().read1(self.size)


class CountingSink(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.flushes = 0

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)

    def flush(self) -> None:
        self.flushes += 1


class ClosedPipe(io.BytesIO):
    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        raise BrokenPipeError


def line(host: str, channel: str | None = None, path: str = "/") -> bytes:
    text = f"127.0.0.2 - GET {host} 80 {path} 202611291805 -\n"
    return ((f"{channel} " if channel is not None else "") + text).encode()


def run(
    data: bytes | io.BytesIO, *, concurrency: bool = True, decider: FakeDecider | None = None
) -> tuple[int, list[tuple[str | None, str, dict[str, str]]]]:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    sink = io.BytesIO()
    code = run_helper(
        decider or FakeDecider(), source, sink, concurrency=concurrency, fields=FIELDS
    )
    replies = [parse_reply(reply) for reply in sink.getvalue().decode().splitlines()]
    return code, replies


def test_channels_are_echoed_whatever_their_order() -> None:
    data = line("www.facebook.com", "5") + line("example.org", "0") + line("facebook.com", "3")

    code, replies = run(data)

    assert code == 0
    assert [(channel, result) for channel, result, _ in replies] == [
        ("5", "ERR"),
        ("0", "OK"),
        ("3", "ERR"),
    ]
    assert replies[0][2]["message"] == "blocked by 5460"
    assert replies[0][2]["log"] == "rule=social"


def test_without_concurrency_every_line_gets_exactly_one_reply_in_order() -> None:
    data = line("a.org") + b"\n" + b"garbage\n" + line("www.facebook.com")

    _, replies = run(data, concurrency=False)

    assert [(channel, result) for channel, result, _ in replies] == [
        (None, "OK"),
        (None, "BH"),
        (None, "BH"),
        (None, "ERR"),
    ]


def test_bad_lines_get_bh_on_their_channel_and_the_loop_goes_on() -> None:
    data = (
        b"7 127.0.0.2 - GET \xff\xfe 80 / 2026 -\n"
        + b"8 127.0.0.2 - GET a.org eighty / 2026 -\n"
        + line("example.org", "9")
    )

    _, replies = run(data)

    assert [(channel, result) for channel, result, _ in replies] == [
        ("7", "BH"),
        ("8", "BH"),
        ("9", "OK"),
    ]
    assert replies[0][2]["message"] == "request line is not valid UTF-8"
    assert "port" in replies[1][2]["message"]


def test_a_line_without_a_recoverable_channel_is_logged_not_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        _, replies = run(b"\n" + b"abc def\n" + line("example.org", "2"))

    assert [(channel, result) for channel, result, _ in replies] == [("2", "OK")]
    assert "no channel id" in caplog.text


@pytest.mark.parametrize("chunk", [1 << 20, 4096, 1000])
def test_a_giant_line_gets_bh_and_the_next_line_is_answered(chunk: int) -> None:
    giant = b"4 127.0.0.2 - GET a.org 80 /" + b"x" * (MAX_LINE + 10) + b" 2026 -\n"
    data = line("example.org", "1") + giant + line("www.facebook.com", "6")

    _, replies = run(Chunked(data, chunk))

    assert [(channel, result) for channel, result, _ in replies] == [
        ("1", "OK"),
        ("4", "BH"),
        ("6", "ERR"),
    ]
    assert "longer than" in replies[1][2]["message"]


def test_a_giant_final_line_without_newline_still_gets_bh() -> None:
    _, replies = run(Chunked(b"3 " + b"y" * (2 * MAX_LINE), 5000))

    assert [(channel, result) for channel, result, _ in replies] == [("3", "BH")]


def test_a_raising_decider_gives_bh_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    decider = FakeDecider()
    data = line("boom.example", "1") + line("example.org", "2")

    with caplog.at_level(logging.ERROR):
        code, replies = run(data, decider=decider)

    assert code == 0
    assert [(channel, result) for channel, result, _ in replies] == [("1", "BH"), ("2", "OK")]
    assert replies[0][2]["message"] == "decision failed: RuntimeError"
    assert "engine fell over" in caplog.text
    assert len(decider.requests) == 2


def test_end_of_input_answers_a_final_unterminated_line_and_exits_cleanly() -> None:
    code, replies = run(line("example.org", "0").rstrip(b"\n"))

    assert code == 0
    assert [(channel, result) for channel, result, _ in replies] == [("0", "OK")]


def test_empty_input_exits_at_once() -> None:
    assert run(b"") == (0, [])


def test_a_batch_is_written_and_flushed_once() -> None:
    sink = CountingSink()
    data = b"".join(line("example.org", str(n)) for n in range(20))

    run_helper(FakeDecider(), io.BytesIO(data), sink, concurrency=True, fields=FIELDS)

    assert sink.getvalue().count(b"\n") == 20
    assert (sink.writes, sink.flushes) == (1, 1)


def test_a_closed_reply_pipe_ends_the_loop_with_status_1() -> None:
    code = run_helper(
        FakeDecider(), io.BytesIO(line("a.org", "0")), ClosedPipe(), concurrency=True, fields=FIELDS
    )

    assert code == 1


def test_bad_fields_are_refused_before_reading() -> None:
    with pytest.raises(ValueError, match="'method'"):
        run_helper(FakeDecider(), io.BytesIO(), io.BytesIO(), concurrency=True, fields=("host",))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400), chunk=st.integers(min_value=1, max_value=64))
def test_arbitrary_bytes_never_break_the_one_reply_per_line_rule(data: bytes, chunk: int) -> None:
    code, replies = run(Chunked(data, chunk), concurrency=False)

    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert code == 0
    assert len(replies) == lines
    assert all(result in {"OK", "ERR", "BH"} for _, result, _ in replies)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.binary(max_size=60).filter(lambda b: b"\n" not in b),
            st.sampled_from([line("a.org", "1"), line("boom.example", "2")]).map(
                lambda b: b.rstrip(b"\n")
            ),
        ),
        max_size=10,
    )
)
def test_with_concurrency_every_reply_names_a_channel(lines: list[bytes]) -> None:
    _, replies = run(b"\n".join(lines) + b"\n")

    assert all(channel is not None and channel.isdigit() for channel, _, _ in replies)
    assert len(replies) <= len(lines)
