"""A progress indication on stderr: a live line on a terminal, a line every 10 s otherwise."""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None, enabled: bool = True) -> None:
        self._label = label
        self._stream = stream or sys.stderr
        self._enabled = enabled
        self._tty = self._stream.isatty()
        self._last_line = -1.0
        self._frame = 0

    def __call__(self, elapsed: float) -> None:
        if not self._enabled:
            return
        if self._tty:
            spinner = "|/-\\"[self._frame % 4]
            self._frame += 1
            self._stream.write(f"\r{spinner} {self._label} {elapsed:5.0f}s")
            self._stream.flush()
        elif elapsed - self._last_line >= 10 or self._last_line < 0:
            self._last_line = elapsed
            self._stream.write(f"{self._label} ({elapsed:.0f}s)\n")
            self._stream.flush()

    def done(self) -> None:
        if self._enabled and self._tty and self._frame:
            self._stream.write("\r\033[K")
            self._stream.flush()
