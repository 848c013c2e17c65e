"""A progress bar on stderr for batches: plain ANSI, drawn only on a terminal."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

#: Redraws at most this often (seconds).
_MIN_INTERVAL = 0.1
_WIDTH = 24


class Progress:
    """``label [=======>      ] 12/40  ok 11  failed 1  running 8  3.2s`` on one line,
    redrawn in place (carriage return, then erase to the end of the line), and a newline at
    the end. Draws nothing when disabled; by default it is enabled when stderr is a
    terminal."""

    def __init__(self, total: int, label: str, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, OSError, ValueError):  # no stream, or a closed one
                enabled = False
        self.enabled = enabled
        self.total = total
        self.label = label
        self.ok = 0
        self.failed = 0
        self.running = 0
        self._started = time.monotonic()
        self._drawn = 0.0
        self._lock = threading.Lock()

    def update(self, *, ok: int = 0, failed: int = 0, running: int | None = None) -> None:
        """Counts finished jobs and sets the number running; redraws now and then."""
        with self._lock:
            self.ok += ok
            self.failed += failed
            if running is not None:
                self.running = running
        self.draw(force=False)

    def line(self) -> str:
        done = self.ok + self.failed
        filled = _WIDTH if self.total == 0 else _WIDTH * done // self.total
        bar = "=" * filled + (">" if filled < _WIDTH else "") + " " * max(0, _WIDTH - filled - 1)
        text = (f"{self.label} [{bar}] {done}/{self.total}  ok {self.ok}  failed {self.failed}"
                f"  running {self.running}  {time.monotonic() - self._started:.1f}s")
        return text[: max(20, shutil.get_terminal_size((80, 24)).columns - 1)]

    def draw(self, *, force: bool) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._drawn < _MIN_INTERVAL:
                return
            self._drawn = now
            try:
                self.stream.write("\r" + self.line() + "\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):  # a closed or broken stderr must not stop the batch
                self.enabled = False

    def close(self) -> None:
        """The final state, and a newline."""
        self.draw(force=True)
        if self.enabled:
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass
