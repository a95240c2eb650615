"""The estimate's and catalogs' result types under their public names.

The types themselves are generated from the core (``_types``, by scripts/generate-types);
this module only keeps the names the package has always exported.
"""

from __future__ import annotations

from ._types import (
    Advice,
    BaseModel,
    CostEstimate,
    DurationEstimate,
    Estimate,
    FitSuggestion,
    AllowedRange,
    FlopsPerToken,
    GpuSelection,
    Hyperparameters,
    HyperparameterSpec,
    MemoryBreakdown,
    MemoryEstimate,
    ModelArchitecture,
    SpreadDecimal,
    SpreadFloat,
    SpreadMoney,
    ThroughputSource,
    TokenCounts,
    ValueKind,
)
from ._types import GpuSpec as Gpu
from ._types import Preset as PresetName
from ._types import PresetSummary as Preset
from ._types import Quantization as QuantizationName

Spread = SpreadFloat | SpreadMoney | SpreadDecimal
"""One figure in three scenarios (``low``, ``expected``, ``high``): floats, or exact decimals."""

__all__ = [
    "Advice",
    "AllowedRange",
    "BaseModel",
    "CostEstimate",
    "DurationEstimate",
    "Estimate",
    "FitSuggestion",
    "FlopsPerToken",
    "Gpu",
    "GpuSelection",
    "HyperparameterSpec",
    "Hyperparameters",
    "MemoryBreakdown",
    "MemoryEstimate",
    "ModelArchitecture",
    "Preset",
    "PresetName",
    "QuantizationName",
    "Spread",
    "ThroughputSource",
    "TokenCounts",
    "ValueKind",
]
