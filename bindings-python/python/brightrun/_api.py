"""The functions of the ``brightrun`` package, over the private native module."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from . import _native
from ._dataset import ConvertSummary, DatasetFormat, ValidationReport
from ._records import DatasetInput, dataset_source
from ._results import BaseModel, Estimate, Gpu, HyperparameterSpec, Preset, PresetName, QuantizationName

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "HyperparameterOverrides",
    "ProgressCallback",
    "base_models",
    "convert",
    "convert_async",
    "estimate",
    "estimate_async",
    "gpus",
    "hyperparameters",
    "presets",
    "validate",
    "validate_async",
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
    return [Preset.from_dict(p) for p in json.loads(_native.presets())]


def gpus() -> list[Gpu]:
    """The GPUs the estimator knows, with data-sheet figures and default prices."""
    return [Gpu.from_dict(g) for g in json.loads(_native.gpus())]


def base_models() -> list[BaseModel]:
    """The base models the estimator knows by Hugging Face id."""
    return [BaseModel.from_dict(m) for m in json.loads(_native.base_models())]


def hyperparameters() -> list[HyperparameterSpec]:
    """The hyperparameters a job may set (the keys of :class:`HyperparameterOverrides`), in the
    core's order, each with its kind, allowed range or choices and what it is in one line."""
    return [HyperparameterSpec.from_dict(h) for h in json.loads(_native.hyperparameters())]


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
    return Estimate.from_dict(json.loads(_native.estimate(json.dumps(options))))


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
    return Estimate.from_dict(json.loads(await _native.estimate_async(json.dumps(options))))


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


ProgressCallback = Callable[[int, int], object]
"""Called as ``progress(bytes_read, total_bytes)`` while a file is read (at most every 100 ms)."""

Progress = bool | ProgressCallback
"""``True`` for a tqdm bar (when tqdm is installed), or a :data:`ProgressCallback`."""

PathArg = str | os.PathLike[str]


def validate(
    path: DatasetInput,
    format: DatasetFormat | None = None,
    tokenizer: PathArg | None = None,
    max_seq_len: int | None = None,
    min_examples: int | None = None,
    progress: Progress = False,
) -> ValidationReport:
    """Validates a dataset file: the report of ``brightrun validate``, from the same core.

    ``validate(...).to_dict()`` equals the CLI's ``--json`` output for the same file. The
    file is read once, in parallel, with the GIL released; problems *in* the file are
    findings of the report (``valid`` is false when one is an error), never exceptions.

    Args:
        path: The dataset: the path of a file (chat, ``prompt_completion``, ``alpaca``,
            ``sharegpt``, ``gemini``, ``text`` or ``brightrun_lora_v3`` JSONL, or ``brightrun_lora_v4`` (JSONL or
            one JSON document), plain or gzip; or any of them as a CSV/TSV or Parquet
            table), its bytes, or the dataset in memory: a list of records (dicts), a
            pandas ``DataFrame`` or a ``datasets.Dataset``, whose record ``n`` is reported
            as line ``n``. Nothing in memory is written to disk.
        format: The format, instead of recognising it from the first records.
        tokenizer: A Hugging Face model id (found in the local caches) or the path of a
            ``tokenizer.json``, to count tokens exactly; the default estimates them.
        max_seq_len: Report conversations longer than this many tokens (default 2048).
        min_examples: Fewer training examples than this is an error (default 10).
        progress: ``True`` shows a tqdm progress bar if tqdm is installed (nothing
            otherwise); a callable is called as ``progress(bytes_read, total_bytes)``.

    A file that is not UTF-8, or whose format is not recognised, is a report too: each line
    has its finding (``invalid_utf8``, ``unknown_format``, ...) and ``valid`` is false.

    Raises:
        DatasetError: the file cannot be opened or read (``dataset_not_found``,
            ``invalid_gzip``, ...), or an option is out of range (``invalid_option``).
        TokenizerError: the tokenizer cannot be loaded (``tokenizer_load_failed``).
        UnknownValueError: ``format`` is not a format's name.
    """
    options = _validate_options(format, tokenizer, max_seq_len, min_examples)
    source = dataset_source(path)
    with _progress_callback(source, progress) as callback:
        return ValidationReport.from_dict(json.loads(_native.validate(source, options, callback)))


async def validate_async(
    path: DatasetInput,
    format: DatasetFormat | None = None,
    tokenizer: PathArg | None = None,
    max_seq_len: int | None = None,
    min_examples: int | None = None,
    progress: Progress = False,
) -> ValidationReport:
    """:func:`validate` without blocking the event loop: the work runs on the binding's
    runtime. An exception raised by a ``progress`` callback is reported as unraisable."""
    options = _validate_options(format, tokenizer, max_seq_len, min_examples)
    source = dataset_source(path)
    with _progress_callback(source, progress) as callback:
        return ValidationReport.from_dict(json.loads(await _native.validate_async(source, options, callback)))


def convert(
    path: DatasetInput,
    out_dir: PathArg,
    validation_fraction: float = 0.0,
    format: DatasetFormat | None = None,
    progress: Progress = False,
) -> ConvertSummary:
    """Converts a dataset into the ``train.jsonl`` and ``validation.jsonl`` the trainer reads,
    as ``brightrun convert`` does (``to_dict()`` is its ``--json`` output).

    Records with errors and conversations with nothing to train on are skipped and counted;
    an error leaves no partial output.

    Args:
        path: The dataset, in any format and form :func:`validate` reads (a path, bytes,
            records, a ``DataFrame`` or a ``datasets.Dataset``).
        out_dir: Folder for the two files (created if needed).
        validation_fraction: Share of the conversations without a ``split`` of their own
            that go to validation, chosen by a hash of their content: 0 to 1 excluded.
        format: The format, instead of recognising it.
        progress: As for :func:`validate`.

    Raises:
        DatasetError: the file cannot be read, its format recognised or the output written,
            or ``validation_fraction`` is out of range (``invalid_option``).
        UnknownValueError: ``format`` is not a format's name.
    """
    options = _convert_options(validation_fraction, format)
    source = dataset_source(path)
    with _progress_callback(source, progress) as callback:
        return ConvertSummary.from_dict(json.loads(_native.convert(source, out_dir, options, callback)))


async def convert_async(
    path: DatasetInput,
    out_dir: PathArg,
    validation_fraction: float = 0.0,
    format: DatasetFormat | None = None,
    progress: Progress = False,
) -> ConvertSummary:
    """:func:`convert` without blocking the event loop."""
    options = _convert_options(validation_fraction, format)
    source = dataset_source(path)
    with _progress_callback(source, progress) as callback:
        return ConvertSummary.from_dict(json.loads(await _native.convert_async(source, out_dir, options, callback)))


def _validate_options(
    format: str | None, tokenizer: PathArg | None, max_seq_len: int | None, min_examples: int | None
) -> str:
    """The core's ``FlatValidateOptions`` as JSON; the core checks every value."""
    return json.dumps(
        {
            "format": format,
            "tokenizer": None if tokenizer is None else os.fspath(tokenizer),
            "max_seq_len": max_seq_len,
            "min_examples": min_examples,
        }
    )


def _convert_options(validation_fraction: float, format: str | None) -> str:
    """The core's ``FlatConvertOptions`` as JSON."""
    return json.dumps({"format": format, "validation_fraction": validation_fraction})


@contextmanager
def _progress_callback(source: PathArg | bytes, progress: Progress) -> Iterator[ProgressCallback | None]:
    """The native callback for ``progress``: a tqdm bar (closed at the end) for ``True``."""
    if progress is False:
        yield None
        return
    if progress is not True:
        if not callable(progress):
            raise TypeError(f"progress must be a bool or a callable, not {type(progress).__name__}")
        yield progress
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield None
        return
    if isinstance(source, bytes):
        size: int | None = len(source)
        name = "records"
    else:
        size = os.path.getsize(source) if os.path.isfile(source) else None
        name = os.path.basename(os.fspath(source))
    with tqdm(total=size, unit="B", unit_scale=True, desc=name) as bar:

        def advance(read: int, _total: int) -> None:
            bar.update(read - bar.n)

        yield advance
