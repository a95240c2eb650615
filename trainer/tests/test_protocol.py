"""Worker protocol v1 events, without torch."""

from __future__ import annotations

import io
import json

import pytest

from brightrun_trainer.protocol import EventWriter


def test_events_are_numbered_json_lines_with_utc_times() -> None:
    stream = io.StringIO()
    writer = EventWriter(stream)
    writer.emit("started", job_id="j")
    writer.emit("metric", step=1, loss=2.5)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2]
    assert all(line["v"] == 1 and line["ts"].endswith("Z") for line in lines)
    assert lines[1] == {**lines[1], "event": "metric", "step": 1, "loss": 2.5}


def test_non_finite_floats_become_null() -> None:
    stream = io.StringIO()
    EventWriter(stream).emit("metric", loss=float("nan"), grad_norm=float("inf"))
    line = json.loads(stream.getvalue())
    assert line["loss"] is None and line["grad_norm"] is None


def test_unknown_events_are_refused() -> None:
    with pytest.raises(ValueError):
        EventWriter(io.StringIO()).emit("finished")
