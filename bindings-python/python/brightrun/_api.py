"""The functions of the ``brightrun`` package, over the private native module."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from . import _native
from ._results import BaseModel, Estimate, Gpu, Preset, PresetName, QuantizationName

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "HyperparameterOverrides",
    "base_models",
    "estimate",
    "estimate_async",
    "gpus",
    "presets",
]


class HyperparameterOverrides(TypedDict, total=False):
    """Hyperparameters that replace the preset's values (the CLI's ``--lora-rank`` and so on)."""

    learning_rate: float
    batch_size: int
    epochs: int
    lora_rank: int
    lora_alpha: int
    lora_dropout: float
    warmup_steps: int
    weight_decay: float
    gradient_accumulation_steps: int
    max_grad_norm: float
    max_seq_len: int
    target_modules: list[str] | tuple[str, ...]
    quantization: QuantizationName
    gradient_checkpointing: bool


_OVERRIDES = frozenset(HyperparameterOverrides.__annotations__)


class _Options(HyperparameterOverrides, total=False):
    """What ``estimate`` sends to the native module, as JSON: the core's ``FlatEstimateOptions``."""

    base_model: str
    gpu: str
    tokens: int
    gpus: int
    preset: str
    price_per_gpu_hour: str | None
    examples: int | None
    dataset_bytes: int
    measured_tokens_per_second: float | None
    model_config: str | None

Money = Decimal | str | int | float
"""An amount in USD. A ``float`` is taken as its shortest repr (``1.1`` is exactly ``1.10``)."""


def presets() -> list[Preset]:
    """The hyperparameter presets (``conservative``, ``balanced``, ``aggressive``, ``custom``)."""
    return [Preset._from_dict(p) for p in json.loads(_native.presets())]


def gpus() -> list[Gpu]:
    """The GPUs the estimator knows, with data-sheet figures and default prices."""
    return [Gpu._from_dict(g) for g in json.loads(_native.gpus())]


def base_models() -> list[BaseModel]:
    """The base models the estimator knows by Hugging Face id."""
    return [BaseModel._from_dict(m) for m in json.loads(_native.base_models())]


def estimate(
    base_model: str,
    gpu: str,
    tokens: int,
    gpus: int = 1,
    preset: PresetName = "balanced",
    price_per_gpu_hour: Money | None = None,
    examples: int | None = None,
    dataset_bytes: int = 0,
    measured_tokens_per_second: float | None = None,
    model_config: str | os.PathLike[str] | None = None,
    **hyperparameter_overrides: Unpack[HyperparameterOverrides],
) -> Estimate:
    """Estimates the duration, cost and GPU memory of a LoRA training job.

    The same estimate as ``brightrun estimate``, from the same core: ``estimate(...).to_dict()``
    equals the CLI's ``--json`` output for the same inputs.

    Args:
        base_model: Hugging Face id of the base model (see :func:`base_models`).
        gpu: GPU type (see :func:`gpus`).
        tokens: Tokens in one epoch of the training split.
        gpus: Number of GPUs, 1 to 8.
        preset: Preset the hyperparameters start from.
        price_per_gpu_hour: Your price per GPU-hour in USD, instead of the catalog's.
        examples: Training examples, for step-count advice and the average example length.
        dataset_bytes: Size of the dataset file, for the storage cost.
        measured_tokens_per_second: Throughput of one GPU measured on earlier jobs.
        model_config: Path of the model's ``config.json``, for a model outside the catalog.
        **hyperparameter_overrides: Values replacing the preset's (``lora_rank=32``,
            ``quantization="4bit"``, ...): see :class:`HyperparameterOverrides`.

    Raises:
        BrightRunError: a subclass per concern, with the core's ``code``.
    """
    options = _options(locals(), hyperparameter_overrides)
    return Estimate._from_dict(json.loads(_native.estimate(json.dumps(options))))


async def estimate_async(
    base_model: str,
    gpu: str,
    tokens: int,
    gpus: int = 1,
    preset: PresetName = "balanced",
    price_per_gpu_hour: Money | None = None,
    examples: int | None = None,
    dataset_bytes: int = 0,
    measured_tokens_per_second: float | None = None,
    model_config: str | os.PathLike[str] | None = None,
    **hyperparameter_overrides: Unpack[HyperparameterOverrides],
) -> Estimate:
    """:func:`estimate` without blocking the event loop: the work runs on the binding's
    runtime while the loop goes on."""
    options = _options(locals(), hyperparameter_overrides)
    return Estimate._from_dict(json.loads(await _native.estimate_async(json.dumps(options))))


def _options(arguments: dict[str, Any], overrides: HyperparameterOverrides) -> _Options:
    """The native module's options from ``estimate``'s arguments."""
    unknown = sorted(set(overrides) - _OVERRIDES)
    if unknown:
        raise TypeError(
            f"estimate() got unexpected keyword argument(s) {', '.join(unknown)}; "
            f"the hyperparameters are {', '.join(sorted(_OVERRIDES))}"
        )
    price = arguments["price_per_gpu_hour"]
    model_config = arguments["model_config"]
    return {
        **overrides,
        "base_model": arguments["base_model"],
        "gpu": arguments["gpu"],
        "tokens": arguments["tokens"],
        "gpus": arguments["gpus"],
        "preset": arguments["preset"],
        "price_per_gpu_hour": None if price is None else _money_text(price),
        "examples": arguments["examples"],
        "dataset_bytes": arguments["dataset_bytes"],
        "measured_tokens_per_second": arguments["measured_tokens_per_second"],
        "model_config": None if model_config is None else os.fspath(model_config),
    }


def _money_text(amount: object) -> str:
    """The decimal text of an amount; the core parses it exactly (or says ``invalid_money``)."""
    if isinstance(amount, Decimal):
        return format(amount, "f")
    if isinstance(amount, bool) or not isinstance(amount, str | int | float):
        raise TypeError(f"price_per_gpu_hour must be a Decimal, str, int or float, not {type(amount).__name__}")
    return repr(amount) if isinstance(amount, float) else str(amount)
