"""The RunPod handler, called directly as the SDK calls it: the real worker trains the smoke
model in a child process and the handler yields its events; a failure raises; a cancelled
handler stops its worker. (The Rust tests run it under the SDK's local API server.)"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from brightrun_trainer.runpod_handler import WorkerFailed, failure_message, handler, parse_event
from conftest import smoke_spec


async def drain(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [event async for event in handler(job)]


def test_log_lines_and_foreign_json_are_not_events() -> None:
    assert parse_event("Loading weights") is None
    assert parse_event('{"v": 2, "event": "metric"}') is None
    assert parse_event('[1, 2]') is None
    event = parse_event('{"v":1,"seq":3,"ts":"2026-12-06T10:00:00Z","event":"metric","step":1}')
    assert event is not None and event["seq"] == 3


def test_a_failure_message_names_the_worker_s_error_and_exit_code() -> None:
    failed = {"event": "failed", "error_type": "dataset_error", "message": "line 3 is not JSON"}
    assert failure_message(failed, 3) == "dataset_error: line 3 is not JSON (exit code 3)"
    assert "signal 9" in failure_message(None, -9)
    assert "exit code 143" in failure_message({"event": "cancelled"}, 143)


@pytest.mark.torch
def test_the_handler_yields_every_event_of_a_completed_run(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    spec = smoke_spec(tmp_path, *dataset)
    events = asyncio.run(drain({"id": "rp-1", "input": spec}))
    seqs = [event["seq"] for event in events]
    assert seqs == list(range(1, len(seqs) + 1)), "every event, in order, with its seq"
    kinds = [event["event"] for event in events]
    assert "started" in kinds and kinds[-1] == "completed"
    assert "metric" in kinds
    names = {event["name"] for event in events if event["event"] == "artifact"}
    assert {"adapter_model.safetensors", "adapter_config.json"} <= names
    assert (tmp_path / "out" / "adapter" / "adapter_model.safetensors").is_file()


def test_a_bad_spec_raises_after_yielding_the_failed_event(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    spec = smoke_spec(tmp_path, *dataset)
    spec["hyperparameters"]["learning_rate"] = -1
    seen: list[dict[str, Any]] = []

    async def run() -> None:
        async for event in handler({"id": "rp-2", "input": spec}):
            seen.append(event)

    with pytest.raises(WorkerFailed, match=r"exit code 2"):
        asyncio.run(run())
    assert seen and seen[-1]["event"] == "failed", "the worker's own failure reached the stream first"


def test_an_input_that_is_not_a_spec_raises() -> None:
    with pytest.raises(WorkerFailed, match="bad_spec"):
        asyncio.run(drain({"id": "rp-3", "input": "train please"}))


@pytest.mark.torch
def test_a_cancelled_handler_stops_its_worker(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    spec = smoke_spec(tmp_path, *dataset, hyperparameters={"epochs": 50})
    pids: list[int] = []

    async def run() -> None:
        async def consume() -> None:
            async for event in handler({"id": "rp-4", "input": spec}):
                if event["event"] == "metric":
                    pids.extend(worker_pids(spec["job_id"]))
                    return_now.set()

        return_now = asyncio.Event()
        task = asyncio.create_task(consume())
        await asyncio.wait_for(return_now.wait(), 120)
        task.cancel()  # what the SDK does when RunPod stops the job
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert pids, "the worker was running"
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or is_zombie(pid), f"worker {pid} still runs"


def worker_pids(job_id: str) -> list[int]:
    """The trainer processes whose environment names the job."""
    marker = f"BRIGHTRUN_JOB_ID={job_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def sdk_module(name: str) -> Any:
    """A module of the runpod SDK; skipped without it, except on CI (scripts/python-env)."""
    if os.environ.get("CI") == "true":
        import importlib

        return importlib.import_module(name)
    return pytest.importorskip(name)


def test_the_sdk_streams_the_handler() -> None:
    """The SDK takes the handler for a generator: it streams each yield (``/stream``)."""
    assert sdk_module("runpod.serverless.modules.rp_handler").is_generator(handler)


def test_the_sdk_sees_a_failure_as_an_error(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    """Through the SDK's own generator runner (the worker loop's and the local server's),
    a failing run ends with an ``error`` item: RunPod reports the job FAILED."""
    rp_job = sdk_module("runpod.serverless.modules.rp_job")
    spec = smoke_spec(tmp_path, *dataset)
    spec["hyperparameters"]["learning_rate"] = -1

    async def run() -> list[dict[str, Any]]:
        return [item async for item in rp_job.run_job_generator(handler, {"id": "rp-5", "input": spec})]

    items = asyncio.run(run())
    assert items[-2]["output"]["event"] == "failed"
    assert "exit code 2" in items[-1]["error"]
