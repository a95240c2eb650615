"""Worker protocol v1: one JSON event per stdout line.

Every event is ``{"v": 1, "seq": N, "ts": "...Z", "event": NAME, ...fields}``. ``seq``
starts at 1 and grows by one, so a reader that sees an event twice can drop it. Anything
else the process prints goes to stderr, so stdout holds events only.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from datetime import datetime, timezone
from typing import Any, TextIO

PROTOCOL_VERSION = 1

EVENT_NAMES = frozenset(
    {"started", "phase", "metric", "eval", "artifact", "completed", "failed", "cancelled"}
)


def utc_now() -> str:
    """The current UTC time, RFC 3339 with microseconds and a ``Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such floats become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class EventWriter:
    """Writes numbered events to a stream, one line each, flushed at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._seq = 0
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        """Writes one event and returns it."""
        if event not in EVENT_NAMES:
            raise ValueError(f"unknown event {event!r}")
        with self._lock:
            self._seq += 1
            record: dict[str, Any] = {
                "v": PROTOCOL_VERSION,
                "seq": self._seq,
                "ts": utc_now(),
                "event": event,
            }
            record.update({key: _finite(value) for key, value in fields.items()})
            self._write(record)
            return record

    def forward(self, record: dict[str, Any]) -> None:
        """Writes an event another writer numbered (a rank's, relayed by the launcher) as it
        is; events this writer emits afterwards continue from its ``seq``."""
        with self._lock:
            self._seq = max(self._seq, int(record["seq"]))
            self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._stream.flush()
