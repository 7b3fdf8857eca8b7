"""Ctrl-C and SIGTERM for the local servers: the first stops them, a second exits at once."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalStop:
    """The first SIGINT/SIGTERM calls ``on_first(signum)`` (which starts a bounded shutdown,
    or raises to unwind the main thread); a second one ends the process at once with status
    128 + signal number, whatever the shutdown is doing."""

    def __init__(
        self,
        on_first: Callable[[int], None],
        program: str,
        signals: Iterable[signal.Signals] = STOP_SIGNALS,
    ) -> None:
        self._on_first = on_first
        self._program = program
        self._signals = tuple(signals)
        self._previous: dict[signal.Signals, Any] = {}
        self.received: int | None = None

    def install(self) -> bool:
        """Handle the signals from now on; False (and nothing done) off the main thread."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in self._signals:
            self._previous[signum] = signal.signal(signum, self._handle)
        return True

    def restore(self) -> None:
        """Give the signals back to the handlers they had before :meth:`install`."""
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.received is not None:
            # os.write, not print: the main thread may be inside a write to stderr right now.
            os.write(2, f"{self._program}: {name} again, exiting now\n".encode())
            os._exit(128 + signum)
        self.received = signum
        os.write(2, f"{self._program}: {name}, stopping (send it again to exit at once)\n".encode())
        self._on_first(signum)
