"""estimate(): typed attributes, and to_dict() equal to `brightrun estimate --json`."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import brightrun
from conftest import CliJson, cli_flags

MISTRAL = "mistralai/Mistral-7B-v0.1"

# Inputs compared with the CLI: defaults, every kind of option, a job that does not fit
# (suggestions and warnings), a measured throughput, a price override.
CASES: list[dict[str, Any]] = [
    {"base_model": MISTRAL, "gpu": "A6000-48GB", "tokens": 4_200_000},
    {
        "base_model": MISTRAL,
        "gpu": "A6000-48GB",
        "tokens": 4_200_000,
        "examples": 2_000,
        "dataset_bytes": 9_500_000,
        "preset": "aggressive",
    },
    {
        "base_model": "meta-llama/Meta-Llama-3-70B",
        "gpu": "H100-80GB",
        "tokens": 25_000_000,
        "examples": 120,
        "gpus": 2,
        "price_per_gpu_hour": "2.10",
    },
    {
        "base_model": "Qwen/Qwen2.5-7B",
        "gpu": "L40S-48GB",
        "tokens": 1_000_000,
        "measured_tokens_per_second": 2400.5,
        "learning_rate": 5e-3,
        "batch_size": 4,
        "epochs": 2,
        "lora_rank": 64,
        "lora_alpha": 128,
        "lora_dropout": 0.0,
        "warmup_steps": 10,
        "weight_decay": 0.1,
        "gradient_accumulation_steps": 4,
        "max_grad_norm": 0.5,
        "max_seq_len": 4096,
        "target_modules": ["q_proj", "v_proj", "down_proj"],
        "quantization": "8bit",
        "gradient_checkpointing": False,
    },
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['base_model']}-{c['gpu']}")
def test_to_dict_equals_the_cli_json(case: dict[str, Any], cli_json: CliJson) -> None:
    estimate = brightrun.estimate(**case)
    assert estimate.to_dict() == cli_json("estimate", *cli_flags(**case))
    assert json.loads(estimate.to_json()) == estimate.to_dict()


def test_a_model_config_gives_the_clis_answer(model_config: Path, cli_json: CliJson) -> None:
    case: dict[str, Any] = {
        "base_model": "my-org/small-llama",
        "gpu": "A6000-48GB",
        "tokens": 500_000,
        "model_config": model_config,
    }
    estimate = brightrun.estimate(**case)
    assert estimate.base_model == "my-org/small-llama"
    assert estimate.to_dict() == cli_json("estimate", *cli_flags(**case))
    assert brightrun.estimate("my-org/small-llama", "A6000-48GB", 500_000, model_config=str(model_config)) == estimate


def test_attributes_are_typed() -> None:
    e = brightrun.estimate(MISTRAL, "A6000-48GB", 4_200_000, examples=2_000, dataset_bytes=9_500_000)
    assert isinstance(e.cost.total, Decimal) and e.cost.total == Decimal("2.09")
    assert e.cost.total_range.low <= e.cost.total <= e.cost.total_range.high
    assert e.cost.billable_hours.expected == Decimal("4.2598")
    assert e.cost.currency == "USD"
    assert e.to_dict()["cost"]["total"] == "2.09"
    assert e.duration_hours.low < e.duration_hours.expected < e.duration_hours.high
    assert e.duration.throughput_source == "flops_model"
    assert e.tokens.total == 5 * 4_200_000
    assert e.memory.fits and e.memory.suggestions == ()
    assert e.hyperparameters.quantization == "none"
    assert e.gpu.price_per_gpu_hour == Decimal("0.49")


def test_overrides_replace_the_presets_values() -> None:
    e = brightrun.estimate(
        MISTRAL, "A100-80GB", 1_000_000, preset="conservative", lora_rank=64, quantization="4bit", target_modules=("q_proj",)
    )
    h = e.hyperparameters
    assert (h.lora_rank, h.quantization, h.target_modules, h.learning_rate) == (64, "4bit", ("q_proj",), 1e-4)


def test_a_job_that_does_not_fit_says_what_would() -> None:
    e = brightrun.estimate("meta-llama/Meta-Llama-3-70B", "H100-80GB", 10_000_000)
    assert not e.memory.fits
    assert "quantization_4bit" in {s.code for s in e.memory.suggestions}
    assert e.warnings[0].code == "does_not_fit" and e.warnings[0].field == "gpu"


@pytest.mark.parametrize("price", [Decimal("1.10"), "1.10", "$1.10", 1.1])
def test_prices_are_exact_whatever_their_python_type(price: Decimal | str | float) -> None:
    e = brightrun.estimate(MISTRAL, "A100-80GB", 1_000_000, price_per_gpu_hour=price)
    assert e.cost.price_per_gpu_hour == Decimal("1.10")


def test_an_integer_price_is_whole_dollars() -> None:
    assert brightrun.estimate(MISTRAL, "A100-80GB", 1_000_000, price_per_gpu_hour=2).gpu.price_per_gpu_hour == 2


def test_unknown_keywords_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="lerning_rate"):
        brightrun.estimate(MISTRAL, "A100-80GB", 1_000_000, lerning_rate=1e-4)  # type: ignore[call-arg]


def test_values_of_the_wrong_python_type_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="invalid estimate options"):
        brightrun.estimate(MISTRAL, "A100-80GB", "many")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="invalid estimate options"):
        brightrun.estimate(MISTRAL, "A100-80GB", 1, target_modules="q_proj")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="price_per_gpu_hour"):
        brightrun.estimate(MISTRAL, "A100-80GB", 1, price_per_gpu_hour=[1])  # type: ignore[arg-type]


def test_threads_can_estimate_at_once() -> None:
    # The GIL is released while Rust works; every thread gets the same answer.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: brightrun.estimate(MISTRAL, "A6000-48GB", n), [4_200_000] * 16))
    assert all(r == results[0] for r in results)
