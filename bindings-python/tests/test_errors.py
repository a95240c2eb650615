"""One exception hierarchy: every error is a BrightRunError with the core's stable code."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

import brightrun

MISTRAL = "mistralai/Mistral-7B-v0.1"
OK: dict[str, Any] = {"base_model": MISTRAL, "gpu": "A100-80GB", "tokens": 1_000_000}


@pytest.mark.parametrize(
    ("changes", "error_class", "code"),
    [
        ({"gpu": "RTX-4090"}, brightrun.CatalogError, "unknown_gpu"),
        ({"base_model": "gpt2"}, brightrun.CatalogError, "unknown_base_model"),
        ({"gpus": 9}, brightrun.CatalogError, "invalid_gpu_count"),
        ({"preset": "turbo"}, brightrun.CatalogError, "unknown_preset"),
        ({"model_config": "/nonexistent/config.json"}, brightrun.CatalogError, "unreadable_model_config"),
        ({"batch_size": 0, "epochs": 1000}, brightrun.HyperparameterError, "invalid_hyperparameters"),
        ({"quantization": "3bit"}, brightrun.HyperparameterError, "invalid_hyperparameters"),
        ({"target_modules": []}, brightrun.HyperparameterError, "invalid_hyperparameters"),
        ({"tokens": 0}, brightrun.EstimateError, "no_tokens"),
        ({"measured_tokens_per_second": -5.0}, brightrun.EstimateError, "invalid_throughput"),
        ({"target_modules": ["lm_head"]}, brightrun.EstimateError, "unknown_target_module"),
        ({"price_per_gpu_hour": "two dollars"}, brightrun.MoneyError, "invalid_money"),
        ({"tokens": -1}, brightrun.EstimateError, "invalid_number"),
        ({"batch_size": 2.5}, brightrun.EstimateError, "invalid_number"),
        ({"dataset_bytes": 2**60}, brightrun.EstimateError, "invalid_number"),
    ],
)
def test_each_failure_has_its_class_and_code(changes: dict[str, Any], error_class: type[brightrun.BrightRunError], code: str) -> None:
    with pytest.raises(error_class) as caught:
        brightrun.estimate(**{**OK, **changes})
    error = caught.value
    assert error.code == code
    assert isinstance(error, brightrun.BrightRunError) and isinstance(error, ValueError)
    assert error.message == str(error) and str(error)


def test_an_incomplete_config_is_an_invalid_architecture(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"hidden_size": 4096}')
    with pytest.raises(brightrun.CatalogError) as caught:
        brightrun.estimate("my/model", "A100-80GB", 1, model_config=config)
    assert caught.value.code == "invalid_architecture"
    assert "num_attention_heads" in str(caught.value)


def test_every_bad_hyperparameter_is_listed_with_its_range() -> None:
    with pytest.raises(brightrun.HyperparameterError) as caught:
        brightrun.estimate(**OK, batch_size=0, epochs=1000)
    assert "batch_size = 0 (allowed: 1 to 512)" in str(caught.value)
    assert "epochs = 1000 (allowed: 1 to 100)" in str(caught.value)


def test_a_bad_count_names_its_field() -> None:
    with pytest.raises(brightrun.EstimateError, match="`tokens` must be a whole number from 0 to 9007199254740991, not -1"):
        brightrun.estimate(**{**OK, "tokens": -1})


def test_the_message_is_the_clis() -> None:
    with pytest.raises(brightrun.CatalogError) as caught:
        brightrun.estimate(**{**OK, "gpu": "RTX-4090"})
    assert str(caught.value).startswith("unknown GPU `RTX-4090`: choose one of A6000-48GB")


def test_the_hierarchy() -> None:
    input_errors = [
        brightrun.HyperparameterError,
        brightrun.CatalogError,
        brightrun.EstimateError,
        brightrun.MoneyError,
        brightrun.UnknownValueError,
        brightrun.DatasetError,
    ]
    for cls in input_errors:
        assert issubclass(cls, brightrun.BrightRunError) and issubclass(cls, ValueError)
    for cls in [brightrun.TokenizerError, brightrun.BackendError, brightrun.TransitionError]:
        assert issubclass(cls, brightrun.BrightRunError) and not issubclass(cls, ValueError)
    assert issubclass(brightrun.BrightRunError, Exception)


def test_errors_pickle_with_their_code() -> None:
    with pytest.raises(brightrun.CatalogError) as caught:
        brightrun.estimate(**{**OK, "gpu": "RTX-4090"})
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is brightrun.CatalogError
    assert (copy.code, str(copy)) == (caught.value.code, str(caught.value))
    assert repr(copy).startswith("CatalogError('unknown GPU") and "code='unknown_gpu'" in repr(copy)
