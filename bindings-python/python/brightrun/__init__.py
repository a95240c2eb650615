"""BrightRun for Python: estimate the duration, cost and GPU memory of LoRA fine-tuning jobs.

The same Rust core as the ``brightrun`` CLI and the Node package, so every function gives
the CLI's answer::

    import brightrun

    e = brightrun.estimate("mistralai/Mistral-7B-v0.1", "A6000-48GB", tokens=4_200_000, examples=2_000)
    print(e.duration_hours.expected, e.cost.total, e.memory.fits)

``brightrun.validate(path)`` checks a dataset file and ``brightrun.convert(path, out_dir)``
writes the trainer's JSONL, with the reports of ``brightrun validate`` and ``convert``.

Sync functions release the GIL while Rust works; the ``*_async`` variants await the binding's
own runtime instead of blocking the event loop. Every error is a :class:`BrightRunError`
with the core's stable ``code``.
"""

from ._api import (
    HyperparameterOverrides,
    ProgressCallback,
    base_models,
    convert,
    convert_async,
    estimate,
    estimate_async,
    gpus,
    presets,
    validate,
    validate_async,
)
from ._dataset import (
    Conversation,
    ConversationSource,
    ConvertSummary,
    DatasetFormat,
    DatasetStats,
    Finding,
    Layout,
    Message,
    MessageSpread,
    RoleCounts,
    Severity,
    TokenSpread,
    ValidationReport,
)
from ._errors import (
    BackendError,
    BrightRunError,
    StorageError,
    StoreError,
    CatalogError,
    DatasetError,
    EstimateError,
    HyperparameterError,
    InternalError,
    MoneyError,
    TokenizerError,
    TransitionError,
    UnknownValueError,
)
from ._results import (
    Advice,
    BaseModel,
    CostEstimate,
    DurationEstimate,
    Estimate,
    FitSuggestion,
    FlopsPerToken,
    Gpu,
    GpuSelection,
    Hyperparameters,
    MemoryBreakdown,
    MemoryEstimate,
    ModelArchitecture,
    Preset,
    PresetName,
    QuantizationName,
    Spread,
    ThroughputSource,
    TokenCounts,
)

__all__ = [
    "Advice",
    "BackendError",
    "BaseModel",
    "BrightRunError",
    "CatalogError",
    "Conversation",
    "ConversationSource",
    "ConvertSummary",
    "CostEstimate",
    "DatasetError",
    "DatasetFormat",
    "DatasetStats",
    "DurationEstimate",
    "Estimate",
    "EstimateError",
    "Finding",
    "FitSuggestion",
    "FlopsPerToken",
    "Gpu",
    "GpuSelection",
    "HyperparameterError",
    "HyperparameterOverrides",
    "Hyperparameters",
    "InternalError",
    "Layout",
    "MemoryBreakdown",
    "MemoryEstimate",
    "Message",
    "MessageSpread",
    "ModelArchitecture",
    "MoneyError",
    "Preset",
    "PresetName",
    "ProgressCallback",
    "QuantizationName",
    "RoleCounts",
    "Severity",
    "Spread",
    "StorageError",
    "StoreError",
    "ThroughputSource",
    "TokenCounts",
    "TokenSpread",
    "TokenizerError",
    "TransitionError",
    "UnknownValueError",
    "ValidationReport",
    "base_models",
    "convert",
    "convert_async",
    "estimate",
    "estimate_async",
    "gpus",
    "presets",
    "validate",
    "validate_async",
]
