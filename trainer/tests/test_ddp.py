"""Data-parallel training on two CPU processes (gloo): one adapter, one curve, one outcome.

``gpus: 2`` makes the worker launch two ranks; ``BRIGHTRUN_TRAINER_DEVICE=cpu`` keeps them
on the CPU even where a GPU is present, so the test is the same on every machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from brightrun_trainer import exit_codes
from brightrun_trainer.data import Example
from brightrun_trainer.distributed import Rank
from brightrun_trainer.train import _batches
import conftest
from conftest import by_name, sigterm_at_step, smoke_spec

pytestmark = pytest.mark.torch

RANKS = 2


def start_worker(tmp_path: Path, spec: dict[str, Any]) -> subprocess.Popen[str]:
    """The worker on `spec` with RANKS data-parallel ranks, on the CPU."""
    return conftest.start_worker(tmp_path, {**spec, "gpus": RANKS}, {"BRIGHTRUN_TRAINER_DEVICE": "cpu"})


def assert_one_stream(events: list[dict[str, Any]]) -> None:
    """Numbered 1, 2, 3, ... with one start and one outcome: one process's story."""
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    assert len(by_name(events, "started")) == 1
    outcomes = [event for event in events if event["event"] in ("completed", "failed", "cancelled")]
    assert len(outcomes) == 1 and outcomes[0] is events[-1], outcomes


def ranks_of(worker: subprocess.Popen[str]) -> dict[int, int]:
    """The worker's rank processes, rank to pid, read from /proc."""
    ranks = {}
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == worker.pid:
            for variable in environ:
                if variable.startswith(b"RANK="):
                    ranks[int(variable[5:])] = int(entry.name)
    return ranks


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def test_each_rank_gets_its_share_of_every_global_batch() -> None:
    examples = [Example(input_ids=[i], labels=[i]) for i in range(11)]
    alone = _batches(examples, 3, seed=5, epoch=1)
    ranks = [_batches(examples, 3, seed=5, epoch=1, rank=Rank(rank=r, world=2, local_rank=r)) for r in range(2)]
    assert len(alone) == len(ranks[0]) == len(ranks[1]) == 4, "as many steps as one process takes"
    for whole, first, second in zip(alone, *ranks):
        assert first and second, "no rank sits a step out"
        assert sorted(first + second, key=lambda e: e.input_ids) == sorted(whole, key=lambda e: e.input_ids)
    small = [_batches(examples, 1, seed=5, epoch=1, rank=Rank(rank=r, world=2, local_rank=r)) for r in range(2)]
    assert all(len(batch) == 1 for batches in small for batch in batches), "a batch of 1 is topped up to 2"


def test_two_cpu_ranks_train_one_adapter_and_report_one_curve(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoTokenizer

    from brightrun_trainer import smoke

    train, validation = dataset
    began = time.monotonic()
    worker = start_worker(tmp_path, smoke_spec(tmp_path, train, validation))
    stdout, stderr = worker.communicate(timeout=600)
    wall = time.monotonic() - began
    events = [json.loads(line) for line in stdout.splitlines()]
    assert worker.returncode == exit_codes.COMPLETED, stderr[-3000:]
    assert_one_stream(events)
    started = by_name(events, "started")[0]
    # 48 conversations in batches of 4 (2 a rank): 12 steps an epoch, 2 epochs, as alone.
    assert (started["processes"], started["total_steps"]) == (2, 24)
    metrics = by_name(events, "metric")
    assert [m["step"] for m in metrics] == list(range(1, 25)), "one metric a step, from rank 0 alone"
    first, last = sum(m["loss"] for m in metrics[:3]) / 3, sum(m["loss"] for m in metrics[-3:]) / 3
    assert last < first * 0.8, (first, last)
    assert [e["step"] for e in by_name(events, "eval")] == [12, 24]
    assert by_name(events, "completed")[0]["steps"] == 24

    adapter_dir = tmp_path / "out" / "adapter"
    announced = [event["name"] for event in by_name(events, "artifact")]
    assert len(announced) == len(set(announced)), "each file announced once"
    assert list((tmp_path / "out").rglob("adapter_model.safetensors")) == [adapter_dir / "adapter_model.safetensors"]
    for event in by_name(events, "artifact"):
        data = (adapter_dir / event["name"]).read_bytes()
        assert event["bytes"] == len(data) and event["sha256"] == hashlib.sha256(data).hexdigest()

    tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
    base = smoke.build_model(tokenizer, 128, seed=11).eval()
    inputs = tokenizer("<|im_start|>user\nWhat colour is the sky?<|im_end|>\n", return_tensors="pt")
    with torch.no_grad():
        before = base(**inputs).logits.clone()
        after = PeftModel.from_pretrained(base, adapter_dir).eval()(**inputs).logits
    assert not torch.allclose(before, after, atol=1e-4)
    print(f"\n2-rank CPU DDP run: {wall:.1f} s wall, {by_name(events, 'completed')[0]['duration_seconds']:.1f} s in the run")


def test_a_rank_that_dies_fails_the_worker_with_its_code(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    train, _ = dataset
    worker = start_worker(tmp_path, smoke_spec(tmp_path, train, None, hyperparameters={"epochs": 50, "batch_size": 2}))
    assert worker.stdout is not None
    events: list[dict[str, Any]] = []
    ranks: dict[int, int] = {}
    for line in worker.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "metric" and events[-1]["step"] == 2 and not ranks:
            ranks = ranks_of(worker)
            assert sorted(ranks) == [0, 1], ranks
            os.kill(ranks[1], signal.SIGKILL)
    worker.wait(timeout=120)
    assert worker.returncode == 128 + signal.SIGKILL
    assert_one_stream(events)
    failed = events[-1]
    assert failed["event"] == "failed" and failed["error_type"] == "rank_failed"
    assert "rank 1 of 2 was killed by signal 9" in failed["message"], failed
    assert gone(ranks[0]), "rank 0 does not outlive the run"


def test_a_failure_every_rank_hits_is_reported_once_with_its_code(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text('{"messages": [{"role": "user", "content": "only a question"}]}\n', encoding="utf-8")
    worker = start_worker(tmp_path, smoke_spec(tmp_path, train, None))
    stdout, stderr = worker.communicate(timeout=600)
    events = [json.loads(line) for line in stdout.splitlines()]
    assert worker.returncode == exit_codes.DATASET_ERROR, stderr[-3000:]
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    assert by_name(events, "failed") == [events[-1]] and events[-1]["error_type"] == "dataset_error"


def test_sigterm_reaches_every_rank_and_rank_0_saves_a_partial_adapter(
    tmp_path: Path, dataset: tuple[Path, Path]
) -> None:
    train, _ = dataset
    worker = start_worker(tmp_path, smoke_spec(tmp_path, train, None, hyperparameters={"epochs": 50, "batch_size": 2}))
    events = sigterm_at_step(worker, 3)
    assert worker.returncode == exit_codes.CANCELLED
    assert_one_stream(events)
    cancelled = events[-1]
    assert cancelled["event"] == "cancelled" and 3 <= cancelled["step"] < cancelled["total_steps"]
    assert (tmp_path / "out" / "adapter" / "adapter_model.safetensors").is_file()
