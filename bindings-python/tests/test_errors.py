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


REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "bindings-python" / "python" / "brightrun"


def _registry() -> dict[str, str]:
    """The registry of codes, from docs/errors.md (generated from the core's): code -> the
    types that return it."""
    rows = (line.split("|") for line in (REPO / "docs" / "errors.md").read_text().splitlines())
    return {row[1].strip(" `"): row[4].strip() for row in rows if len(row) > 5 and row[1].strip().startswith("`")}


def _codes_raised_by_the_package() -> set[str]:
    """Every code the Python layer raises itself: the second argument of a call to a class
    named ``...Error``, when it is a string literal."""
    import ast

    codes = set()
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.endswith("Error")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                codes.add(node.args[1].value)
    return codes


def test_every_code_the_package_raises_is_registered_and_every_client_code_is_raised() -> None:
    registry = _registry()
    raised = _codes_raised_by_the_package()
    assert "checksum_mismatch" in raised, "the scan finds the package's own codes"
    assert sorted(raised - registry.keys()) == [], "codes raised here but missing from the core's registry"
    client_codes = {code for code, types in registry.items() if types == "`Client`"}
    assert sorted(client_codes - raised) == [], "client codes of the registry this package never raises"
