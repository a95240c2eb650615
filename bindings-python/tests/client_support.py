"""Helpers of the client tests: a trainer to run, and a worker that always fails."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from conftest import under_ci

REPO = Path(__file__).resolve().parents[2]
CHAT = REPO / "examples" / "data" / "sample_chat.jsonl"

FAILING_WORKER = """\
import datetime, json, sys
now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
print(json.dumps({"v": 1, "seq": 1, "ts": now, "event": "failed",
                  "error_type": "dataset_error", "message": "this worker always fails"}), flush=True)
sys.exit(3)
"""


def trainer_python() -> str:
    """A Python that runs the reference trainer ($BRIGHTRUN_TRAINER_PYTHON, else this one);
    skips (fails under CI) when there is none."""
    explicit = os.environ.get("BRIGHTRUN_TRAINER_PYTHON")
    if explicit:
        return explicit
    if importlib.util.find_spec("brightrun_trainer") is not None:
        return sys.executable
    reason = "no reference trainer: run scripts/python-env or set BRIGHTRUN_TRAINER_PYTHON"
    if under_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def failing_worker(directory: Path) -> str:
    """A worker command whose worker reports a dataset error and exits 3."""
    script = directory / "failing_worker.py"
    script.write_text(FAILING_WORKER)
    return f"{sys.executable} {script}"
