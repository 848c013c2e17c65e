"""The batch progress bar: plain ANSI, only on a terminal, never in the way."""

from __future__ import annotations

import io

from recraft._progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_line_shows_counts_and_a_bar() -> None:
    bar = Progress(4, "crisp_upscale", stream=Terminal())
    bar.update(ok=1, failed=1, running=2)
    line = bar.line()
    assert line.startswith("crisp_upscale [============>           ] 2/4  ok 1  failed 1  running 2  ")
    bar.update(ok=2, running=0)
    assert "[========================] 4/4" in bar.line()


def test_draws_in_place_and_ends_the_line() -> None:
    stream = Terminal()
    bar = Progress(2, "op", stream=stream)
    bar.draw(force=True)
    bar.update(ok=2)
    bar.close()
    out = stream.getvalue()
    assert out.count("\r") >= 2 and out.count("\x1b[K") >= 2 and out.endswith("\x1b[K\n")
    assert "\n" not in out[:-1]  # one line, redrawn


def test_off_unless_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress(1, "op", stream=stream)
    bar.update(ok=1)
    bar.close()
    assert not bar.enabled and stream.getvalue() == ""
    forced = Progress(1, "op", enabled=True, stream=stream)
    forced.close()
    assert "1" in stream.getvalue()


def test_redraws_are_throttled() -> None:
    stream = Terminal()
    bar = Progress(1000, "op", stream=stream)
    for _ in range(1000):
        bar.update(ok=1)
    assert stream.getvalue().count("\r") < 20


def test_a_broken_stream_turns_it_off() -> None:
    stream = Terminal()
    stream.close()
    bar = Progress(1, "op", stream=stream)
    bar.update(ok=1)
    bar.close()
    assert not bar.enabled


def test_a_closed_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    stream.close()
    assert not Progress(1, "op", stream=stream).enabled
