"""The worker end to end on the CPU smoke model: real training, real PEFT files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brightrun_trainer import exit_codes
from conftest import by_name, sigterm_at_step, smoke_spec, start_worker, write_jsonl

pytestmark = pytest.mark.torch


def run_worker(tmp_path: Path, spec: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    process = start_worker(tmp_path, spec)
    stdout, stderr = process.communicate(timeout=600)
    events = [json.loads(line) for line in stdout.splitlines()]
    assert events, stderr
    return process.returncode, events


def test_trains_a_real_adapter_whose_loss_falls_and_that_changes_the_model(
    tmp_path: Path, dataset: tuple[Path, Path]
) -> None:
    import hashlib

    import torch
    from peft import PeftModel
    from transformers import AutoTokenizer

    from brightrun_trainer import smoke

    train, validation = dataset
    code, events = run_worker(tmp_path, smoke_spec(tmp_path, train, validation))
    assert code == exit_codes.COMPLETED, events[-1]
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    started = by_name(events, "started")[0]
    assert started["smoke_model"] is True and started["total_steps"] == 24
    metrics = by_name(events, "metric")
    assert len(metrics) == 24 and metrics[-1]["step"] == 24
    assert all(m["tokens_per_second"] > 0 and m["learning_rate"] >= 0 for m in metrics)
    first, last = sum(m["loss"] for m in metrics[:3]) / 3, sum(m["loss"] for m in metrics[-3:]) / 3
    assert last < first * 0.8, (first, last)
    assert len(by_name(events, "eval")) == 2
    assert by_name(events, "completed")[0]["steps"] == 24

    adapter_dir = tmp_path / "out" / "adapter"
    announced = {event["name"]: event for event in by_name(events, "artifact")}
    assert {"adapter_model.safetensors", "adapter_config.json", "tokenizer.json"} <= set(announced)
    for name, event in announced.items():
        data = (adapter_dir / name).read_bytes()
        assert event["bytes"] == len(data) and event["sha256"] == hashlib.sha256(data).hexdigest()
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "smoke" and config["r"] == 8

    tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
    base = smoke.build_model(tokenizer, 128, seed=11).eval()
    inputs = tokenizer("<|im_start|>user\nWhat colour is the sky?<|im_end|>\n", return_tensors="pt")
    with torch.no_grad():
        before = base(**inputs).logits.clone()
        tuned = PeftModel.from_pretrained(base, adapter_dir).eval()
        after = tuned(**inputs).logits
    assert not torch.allclose(before, after, atol=1e-4)


def test_sigterm_stops_after_the_step_and_saves_a_partial_adapter(
    tmp_path: Path, dataset: tuple[Path, Path]
) -> None:
    train, _ = dataset
    spec = smoke_spec(tmp_path, train, None, hyperparameters={"epochs": 50, "batch_size": 2})
    process = start_worker(tmp_path, spec)
    events = sigterm_at_step(process, 3)
    assert process.returncode == exit_codes.CANCELLED
    cancelled = by_name(events, "cancelled")[0]
    assert cancelled["partial_adapter"] is True and 3 <= cancelled["step"] < cancelled["total_steps"]
    assert (tmp_path / "out" / "adapter" / "adapter_model.safetensors").is_file()
    assert not by_name(events, "completed")


def test_a_dataset_without_trainable_turns_exits_3(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text('{"messages": [{"role": "user", "content": "only a question"}]}\n', encoding="utf-8")
    code, events = run_worker(tmp_path, smoke_spec(tmp_path, train, None))
    assert code == exit_codes.DATASET_ERROR
    assert events[-1]["event"] == "failed" and events[-1]["error_type"] == "dataset_error"


def test_weights_and_assistant_first_conversations_train(tmp_path: Path) -> None:
    opener = {"role": "assistant", "content": "Hello, I am your coach for today."}
    rows: list[dict[str, Any]] = [
        {"messages": [opener, {"role": "user", "content": "I feel stuck."}, {"role": "assistant", "content": "Why?"}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello.", "weight": 0}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Welcome.", "weight": 1}]},
    ]
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    code, events = run_worker(tmp_path, smoke_spec(tmp_path, train, None, max_steps=2))
    assert code == exit_codes.COMPLETED, events[-1]
    assert by_name(events, "started")[0]["train_examples"] == 2, "the conversation with only a weight-0 answer is left out"

    rows[1]["messages"][1]["weight"] = 3
    write_jsonl(train, rows)
    code, events = run_worker(tmp_path, smoke_spec(tmp_path, train, None, max_steps=2))
    assert code == exit_codes.DATASET_ERROR
    assert "train.jsonl line 2: messages[1].weight is 3" in events[-1]["message"]


def test_missing_target_modules_are_a_bad_spec(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    train, _ = dataset
    spec = smoke_spec(tmp_path, train, None, hyperparameters={"target_modules": ["c_attn"]})
    code, events = run_worker(tmp_path, spec)
    assert code == exit_codes.BAD_SPEC
    assert "c_attn" in events[-1]["message"] and "q_proj" in events[-1]["message"]


def test_quantization_on_a_cpu_is_a_bad_spec_with_advice(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    train, _ = dataset
    code, events = run_worker(tmp_path, smoke_spec(tmp_path, train, None, hyperparameters={"quantization": "4bit"}))
    assert code == exit_codes.BAD_SPEC and "CUDA" in events[-1]["message"]


def test_trains_on_plain_text_every_token_in_windows(tmp_path: Path) -> None:
    from brightrun_trainer import smoke
    from brightrun_trainer.data import document_ids

    texts = [f"Document {i}: the tide comes in over the sand, and the gulls call {i} times." * (1 + i % 3) for i in range(12)]
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": text} for text in texts[:10]])
    validation = write_jsonl(tmp_path / "validation.jsonl", [{"text": text} for text in texts[10:]])
    spec = smoke_spec(tmp_path, train, validation, hyperparameters={"max_seq_len": 32, "epochs": 1})
    code, events = run_worker(tmp_path, spec)
    assert code == exit_codes.COMPLETED, events[-1]
    # The worker's tokenizer is the smoke tokenizer of the same texts: the same ids.
    tokenizer = smoke.build_tokenizer(texts)
    lengths = [len(document_ids(tokenizer, text)) for text in texts[:10]]
    started = by_name(events, "started")[0]
    assert started["train_examples"] == sum(-(-length // 32) for length in lengths)
    assert started["validation_examples"] == sum(-(-len(document_ids(tokenizer, t)) // 32) for t in texts[10:])
    # Every id of every window is read and trained on, once an epoch.
    assert by_name(events, "completed")[0]["tokens"] == sum(lengths)
    assert len(by_name(events, "eval")) == 1
