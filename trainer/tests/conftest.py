"""Shared fixtures: a generated chat dataset and job specs for the smoke model."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

COLORS = ["red", "green", "blue", "amber", "violet", "silver", "golden", "teal"]
THINGS = ["sky", "forest", "river", "lantern", "harbor", "meadow", "mountain", "garden"]


def conversation(rng: random.Random) -> dict[str, Any]:
    """A small support-style conversation with a learnable pattern."""
    thing, color = rng.choice(THINGS), rng.choice(COLORS)
    return {
        "messages": [
            {"role": "system", "content": "You are a calm, kind consultant."},
            {"role": "user", "content": f"I keep thinking about the {thing}. What colour is it?"},
            {"role": "assistant", "content": f"The {thing} is {color}. Take a slow breath and notice it."},
        ]
    }


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Writes rows as JSON lines."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    """Train and validation chat JSONL files."""
    rng = random.Random(7)
    train = write_jsonl(tmp_path / "train.jsonl", [conversation(rng) for _ in range(48)])
    validation = write_jsonl(tmp_path / "validation.jsonl", [conversation(rng) for _ in range(8)])
    return train, validation


def smoke_spec(tmp_path: Path, train: Path, validation: Path | None, **overrides: Any) -> dict[str, Any]:
    """A job spec for the smoke model that trains in seconds on a CPU."""
    hyperparameters = {
        "learning_rate": 5e-3,
        "batch_size": 4,
        "epochs": 2,
        "lora_rank": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "warmup_steps": 2,
        "weight_decay": 0.0,
        "gradient_accumulation_steps": 1,
        "max_grad_norm": 1.0,
        "max_seq_len": 128,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "quantization": "none",
        "gradient_checkpointing": False,
    }
    hyperparameters.update(overrides.pop("hyperparameters", {}))
    spec = {
        "v": 1,
        "job_id": "test-job",
        "base_model": "smoke",
        "hyperparameters": hyperparameters,
        "dataset": {"train": str(train), "validation": str(validation) if validation else None},
        "output": {"dir": str(tmp_path / "out")},
        "seed": 11,
        "logging_steps": 1,
    }
    spec.update(overrides)
    return spec


def start_worker(tmp_path: Path, spec: dict[str, Any], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The worker (`python -m brightrun_trainer --spec`) on `spec`, offline, with `env` added."""
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "brightrun_trainer", "--spec", str(spec_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def by_name(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [event for event in events if event["event"] == name]


def sigterm_at_step(worker: subprocess.Popen[str], step: int) -> list[dict[str, Any]]:
    """The worker's events, SIGTERM sent once its metric of `step` is out; waits for its end."""
    assert worker.stdout is not None
    events = []
    for line in worker.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "metric" and events[-1]["step"] == step:
            worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=120)
    return events
