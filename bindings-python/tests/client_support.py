"""Helpers of the client tests: a trainer to run, a worker that always fails, PostgreSQL's
URL and the tests' S3 server."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import under_ci

REPO = Path(__file__).resolve().parents[2]
CHAT = REPO / "examples" / "data" / "sample_chat.jsonl"

# Few, short steps: the smoke model trains them on a CPU in seconds.
QUICK: dict[str, Any] = {"epochs": 1, "batch_size": 4, "max_seq_len": 512}

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


def _missing(reason: str) -> None:
    """Skips the test, or fails it under CI, where a skip would prove nothing."""
    if under_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def postgres_url() -> str:
    """$BRIGHTRUN_TEST_DATABASE_URL; skips (fails under CI) without it."""
    url = os.environ.get("BRIGHTRUN_TEST_DATABASE_URL")
    if not url:
        _missing("BRIGHTRUN_TEST_DATABASE_URL is not set")
    return url or ""


@contextmanager
def s3_server(root: Path) -> Iterator[str]:
    """The tests' S3-compatible server ($BRIGHTRUN_TEST_S3_SERVER, which checks SigV4
    signatures) serving from ``root``: yields its ``s3://`` storage URL, stops it after."""
    server = os.environ.get("BRIGHTRUN_TEST_S3_SERVER")
    if not server:
        _missing("BRIGHTRUN_TEST_S3_SERVER is not set: scripts/test builds and exports it")
    process = subprocess.Popen([server or "", str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("s3://"), f"the S3 server printed {url!r}"
        yield url
    finally:
        # It serves until its standard input closes.
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)
