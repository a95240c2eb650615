"""Job spec validation, without torch."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from brightrun_trainer import exit_codes
from brightrun_trainer.__main__ import main
from brightrun_trainer.errors import SpecError
from brightrun_trainer.spec import parse_spec
from conftest import smoke_spec


def test_a_full_spec_parses(tmp_path: Path) -> None:
    spec = parse_spec(smoke_spec(tmp_path, tmp_path / "t.jsonl", None))
    assert spec.is_smoke and spec.hyperparameters.lora_rank == 8 and spec.validation is None
    assert spec.hyperparameters.target_modules[:2] == ("q_proj", "k_proj")
    assert spec.gpus == 0, "a spec without gpus trains in one process"
    assert parse_spec({**smoke_spec(tmp_path, tmp_path / "t.jsonl", None), "gpus": 2}).gpus == 2


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("v",), 2, "protocol version"),
        (("job_id",), "", "job_id"),
        (("dataset", "train"), None, "dataset.train"),
        (("hyperparameters", "batch_size"), 0, "batch_size"),
        (("hyperparameters", "learning_rate"), float("nan"), "learning_rate"),
        (("hyperparameters", "lora_dropout"), 0.9, "lora_dropout"),
        (("hyperparameters", "quantization"), "3bit", "quantization"),
        (("hyperparameters", "target_modules"), [], "target_modules"),
        (("hyperparameters", "gradient_checkpointing"), "yes", "gradient_checkpointing"),
        (("max_steps",), -1, "max_steps"),
        (("gpus",), -1, "gpus"),
        (("gpus",), 9, "gpus must be at most 8"),
    ],
)
def test_each_bad_field_is_named(tmp_path: Path, path: tuple[str, ...], value: Any, message: str) -> None:
    raw = copy.deepcopy(smoke_spec(tmp_path, tmp_path / "t.jsonl", None))
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SpecError, match=message):
        parse_spec(raw)


def test_a_bad_spec_exits_2_with_a_failed_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_path = tmp_path / "spec.json"
    spec_path.write_text("{not json", encoding="utf-8")
    assert main(["--spec", str(spec_path)]) == exit_codes.BAD_SPEC
    event = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert event["event"] == "failed" and event["error_type"] == "bad_spec"
