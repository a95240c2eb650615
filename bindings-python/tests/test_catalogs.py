"""presets(), gpus(), base_models() and hyperparameters(): typed, and the same as the CLI's listings."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import cast

import pytest

import brightrun
from conftest import CliJson


def test_presets_are_typed_and_match_the_cli(cli_json: CliJson) -> None:
    presets = brightrun.presets()
    assert [p.name for p in presets] == ["conservative", "balanced", "aggressive", "custom"]
    balanced = presets[1]
    assert (balanced.hyperparameters.lora_rank, balanced.hyperparameters.learning_rate) == (16, 2e-4)
    assert balanced.hyperparameters.target_modules == ("q_proj", "k_proj", "v_proj", "o_proj")
    assert [p.to_dict() for p in presets] == cli_json("presets")


def test_gpus_have_decimal_prices_and_match_the_cli(cli_json: CliJson) -> None:
    gpus = brightrun.gpus()
    a6000 = next(g for g in gpus if g.name == "A6000-48GB")
    assert a6000.default_price_per_hour == Decimal("0.49")
    assert isinstance(a6000.memory_gb, float) and a6000.memory_gb == 48.0
    assert [g.to_dict() for g in gpus] == cli_json("gpus")


def test_base_models_match_the_cli(cli_json: CliJson) -> None:
    models = brightrun.base_models()
    mistral = next(m for m in models if m.id == "mistralai/Mistral-7B-v0.1")
    assert mistral.architecture.parameters == 7_241_732_096
    assert mistral.architecture.kv_heads == 8
    assert [m.to_dict() for m in models] == cli_json("base-models")


def test_results_are_frozen() -> None:
    gpu = brightrun.gpus()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        gpu.name = "other"  # type: ignore[misc]


def test_hyperparameters_match_the_cli_and_the_overrides(cli_json: CliJson) -> None:
    specs = brightrun.hyperparameters()
    rank = next(s for s in specs if s.name == "lora_rank")
    assert (rank.kind, rank.range) == ("integer", brightrun.AllowedRange(min=1.0, max=512.0))
    assert next(s for s in specs if s.name == "quantization").choices == ("none", "8bit", "4bit")
    assert [s.to_dict() for s in specs] == cli_json("hyperparameters")
    # The typed overrides name exactly the table's hyperparameters.
    assert [s.name for s in specs] == list(brightrun.HyperparameterOverrides.__annotations__)


def test_the_estimate_refuses_what_lies_past_each_range() -> None:
    for spec in brightrun.hyperparameters():
        if spec.range is None or spec.kind not in ("integer", "float"):
            continue
        past = spec.range.max + (1 if spec.kind == "integer" else spec.range.max)
        with pytest.raises(brightrun.BrightRunError) as raised:
            overrides = cast(brightrun.HyperparameterOverrides, {spec.name: past})
            brightrun.estimate("mistralai/Mistral-7B-v0.1", "A6000-48GB", 1_000_000, **overrides)
        assert raised.value.code == "invalid_hyperparameters"
        assert f"{spec.name} = " in str(raised.value) and "allowed: " in str(raised.value)
