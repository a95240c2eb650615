"""Cancellation: SIGTERM asks the run to stop after the current optimiser step."""

from __future__ import annotations

import signal
import threading
from types import FrameType


class CancelFlag:
    """Set by SIGTERM (or SIGINT); the training loop checks it between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def install(self) -> None:
        """Routes SIGTERM and SIGINT to this flag."""
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self._event.set()

    def set(self) -> None:
        """Requests cancellation."""
        self._event.set()

    @property
    def requested(self) -> bool:
        """Whether cancellation was requested."""
        return self._event.is_set()
