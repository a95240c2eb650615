"""BrightRun for Python: estimate the duration, cost and GPU memory of LoRA fine-tuning jobs.

The same Rust core as the ``brightrun`` CLI and the Node package, so every function gives
the CLI's answer::

    import brightrun

    e = brightrun.estimate("mistralai/Mistral-7B-v0.1", "A6000-48GB", tokens=4_200_000, examples=2_000)
    print(e.duration_hours.expected, e.cost.total, e.memory.fits)

Sync functions release the GIL while Rust works; ``estimate_async`` awaits the binding's
own runtime instead of blocking the event loop. Every error is a :class:`BrightRunError`
with the core's stable ``code``.
"""

from ._api import HyperparameterOverrides, base_models, estimate, estimate_async, gpus, presets
from ._errors import (
    BackendError,
    BrightRunError,
    StorageError,
    StoreError,
    CatalogError,
    DatasetError,
    EstimateError,
    HyperparameterError,
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
    "StorageError",
    "StoreError",
    "BaseModel",
    "BrightRunError",
    "CatalogError",
    "CostEstimate",
    "DatasetError",
    "DurationEstimate",
    "Estimate",
    "EstimateError",
    "FitSuggestion",
    "FlopsPerToken",
    "Gpu",
    "GpuSelection",
    "HyperparameterError",
    "HyperparameterOverrides",
    "Hyperparameters",
    "MemoryBreakdown",
    "MemoryEstimate",
    "ModelArchitecture",
    "MoneyError",
    "Preset",
    "PresetName",
    "QuantizationName",
    "Spread",
    "ThroughputSource",
    "TokenCounts",
    "TokenizerError",
    "TransitionError",
    "UnknownValueError",
    "base_models",
    "estimate",
    "estimate_async",
    "gpus",
    "presets",
]
