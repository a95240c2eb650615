"""Typed results: frozen dataclasses mirroring the core's JSON, field for field.

Each is built from the JSON the native module returns (the bytes ``brightrun ... --json``
prints) and turns back into it with ``to_dict()``. Money and billable hours are exact
``decimal.Decimal`` values in attributes and decimal strings in ``to_dict()``; sequences
are tuples in attributes and lists in ``to_dict()``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Generic, Literal, TypeVar, cast

__all__ = [
    "Advice",
    "BaseModel",
    "CostEstimate",
    "DurationEstimate",
    "Estimate",
    "FitSuggestion",
    "FlopsPerToken",
    "Gpu",
    "GpuSelection",
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
]

PresetName = Literal["conservative", "balanced", "aggressive", "custom"]
"""The presets' names (matched case-insensitively)."""
QuantizationName = Literal["none", "8bit", "4bit"]
"""Storage of the frozen base weights: bf16, 8-bit, or 4-bit NF4 (QLoRA)."""
ThroughputSource = Literal["flops_model", "measured"]
"""Where an estimate's tokens per second came from."""

T = TypeVar("T")
_Json = Mapping[str, Any]


def _plain(value: object) -> object:
    """A result value as the core's JSON has it."""
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, Decimal):
        # Fixed-point, never an exponent: the core writes 0.000000021, not 2.1E-8.
        return format(value, "f")
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, PurePath):
        return str(value)
    return value


class _Record:
    """Shared behaviour of every result type."""

    def to_dict(self) -> dict[str, Any]:
        """The result as the core's JSON object (what ``brightrun ... --json`` prints)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(cast(Any, self))}

    def to_json(self) -> str:
        """``to_dict()`` as JSON text."""
        return json.dumps(self.to_dict())


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class Spread(_Record, Generic[T]):
    """One figure in three scenarios: the optimistic (low), expected and pessimistic (high)."""

    low: T
    expected: T
    high: T

    @staticmethod
    def _floats(data: _Json) -> Spread[float]:
        return Spread(float(data["low"]), float(data["expected"]), float(data["high"]))

    @staticmethod
    def _decimals(data: _Json) -> Spread[Decimal]:
        return Spread(_decimal(data["low"]), _decimal(data["expected"]), _decimal(data["high"]))


@dataclass(frozen=True)
class Hyperparameters(_Record):
    """Everything that shapes one LoRA training run."""

    base_model: str
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
    target_modules: tuple[str, ...]
    quantization: QuantizationName
    gradient_checkpointing: bool

    @classmethod
    def _from_dict(cls, d: _Json) -> Hyperparameters:
        return cls(
            base_model=d["base_model"],
            learning_rate=float(d["learning_rate"]),
            batch_size=d["batch_size"],
            epochs=d["epochs"],
            lora_rank=d["lora_rank"],
            lora_alpha=d["lora_alpha"],
            lora_dropout=float(d["lora_dropout"]),
            warmup_steps=d["warmup_steps"],
            weight_decay=float(d["weight_decay"]),
            gradient_accumulation_steps=d["gradient_accumulation_steps"],
            max_grad_norm=float(d["max_grad_norm"]),
            max_seq_len=d["max_seq_len"],
            target_modules=tuple(d["target_modules"]),
            quantization=d["quantization"],
            gradient_checkpointing=d["gradient_checkpointing"],
        )


@dataclass(frozen=True)
class GpuSelection(_Record):
    """The GPUs a job runs on: a kind, a count and the price per GPU-hour in USD."""

    gpu_type: str
    gpu_count: int
    price_per_gpu_hour: Decimal

    @classmethod
    def _from_dict(cls, d: _Json) -> GpuSelection:
        return cls(d["gpu_type"], d["gpu_count"], _decimal(d["price_per_gpu_hour"]))


@dataclass(frozen=True)
class TokenCounts(_Record):
    """The tokens a job trains on: one epoch and all epochs."""

    per_epoch: int
    total: int

    @classmethod
    def _from_dict(cls, d: _Json) -> TokenCounts:
        return cls(d["per_epoch"], d["total"])


@dataclass(frozen=True)
class FlopsPerToken(_Record):
    """Training FLOPs of one token, by part."""

    frozen_matmul: float
    attention: float
    adapter: float
    total: float

    @classmethod
    def _from_dict(cls, d: _Json) -> FlopsPerToken:
        return cls(float(d["frozen_matmul"]), float(d["attention"]), float(d["adapter"]), float(d["total"]))


@dataclass(frozen=True)
class DurationEstimate(_Record):
    """The duration of a job in seconds and what it is made of."""

    total_seconds: Spread[float]
    training_seconds: Spread[float]
    startup_seconds: Spread[float]
    model_load_seconds: Spread[float]
    save_seconds: Spread[float]
    tokens_per_second: Spread[float]
    tokens_processed: int
    flops_per_token: FlopsPerToken
    throughput_source: ThroughputSource

    @classmethod
    def _from_dict(cls, d: _Json) -> DurationEstimate:
        return cls(
            total_seconds=Spread._floats(d["total_seconds"]),
            training_seconds=Spread._floats(d["training_seconds"]),
            startup_seconds=Spread._floats(d["startup_seconds"]),
            model_load_seconds=Spread._floats(d["model_load_seconds"]),
            save_seconds=Spread._floats(d["save_seconds"]),
            tokens_per_second=Spread._floats(d["tokens_per_second"]),
            tokens_processed=d["tokens_processed"],
            flops_per_token=FlopsPerToken._from_dict(d["flops_per_token"]),
            throughput_source=d["throughput_source"],
        )


@dataclass(frozen=True)
class CostEstimate(_Record):
    """The cost of a job in exact decimal US dollars, and what it is made of."""

    currency: str
    price_per_gpu_hour: Decimal
    gpu_count: int
    billable_hours: Spread[Decimal]
    gpu_hours: Spread[Decimal]
    compute: Spread[Decimal]
    storage_gb: Decimal
    storage: Decimal
    total: Decimal
    total_range: Spread[Decimal]

    @classmethod
    def _from_dict(cls, d: _Json) -> CostEstimate:
        return cls(
            currency=d["currency"],
            price_per_gpu_hour=_decimal(d["price_per_gpu_hour"]),
            gpu_count=d["gpu_count"],
            billable_hours=Spread._decimals(d["billable_hours"]),
            gpu_hours=Spread._decimals(d["gpu_hours"]),
            compute=Spread._decimals(d["compute"]),
            storage_gb=_decimal(d["storage_gb"]),
            storage=_decimal(d["storage"]),
            total=_decimal(d["total"]),
            total_range=Spread._decimals(d["total_range"]),
        )


@dataclass(frozen=True)
class MemoryBreakdown(_Record):
    """The memory one GPU needs, term by term, in GiB."""

    weights_gb: float
    adapter_gb: float
    activations_gb: float
    logits_gb: float
    overhead_gb: float

    @classmethod
    def _from_dict(cls, d: _Json) -> MemoryBreakdown:
        return cls(
            float(d["weights_gb"]),
            float(d["adapter_gb"]),
            float(d["activations_gb"]),
            float(d["logits_gb"]),
            float(d["overhead_gb"]),
        )


@dataclass(frozen=True)
class FitSuggestion(_Record):
    """A change that makes a job fit in GPU memory, with the GiB it would need."""

    code: str
    change: str
    required_gb: float

    @classmethod
    def _from_dict(cls, d: _Json) -> FitSuggestion:
        return cls(d["code"], d["change"], float(d["required_gb"]))


@dataclass(frozen=True)
class MemoryEstimate(_Record):
    """Whether a job fits in each GPU's memory, by how much, and what would make it fit."""

    required_gb: float
    available_gb: float
    fits: bool
    margin_gb: float
    breakdown: MemoryBreakdown
    suggestions: tuple[FitSuggestion, ...]

    @classmethod
    def _from_dict(cls, d: _Json) -> MemoryEstimate:
        return cls(
            required_gb=float(d["required_gb"]),
            available_gb=float(d["available_gb"]),
            fits=d["fits"],
            margin_gb=float(d["margin_gb"]),
            breakdown=MemoryBreakdown._from_dict(d["breakdown"]),
            suggestions=tuple(FitSuggestion._from_dict(s) for s in d["suggestions"]),
        )


@dataclass(frozen=True)
class Advice(_Record):
    """A warning worth a look before starting: a stable code, the field, what was seen, why."""

    code: str
    field: str
    message: str
    reason: str

    @classmethod
    def _from_dict(cls, d: _Json) -> Advice:
        return cls(d["code"], d["field"], d["message"], d["reason"])


@dataclass(frozen=True)
class Estimate(_Record):
    """A complete estimate of a training job: time, money and memory, with warnings."""

    base_model: str
    gpu: GpuSelection
    hyperparameters: Hyperparameters
    tokens: TokenCounts
    lora_parameters: int
    duration_hours: Spread[float]
    duration: DurationEstimate
    cost: CostEstimate
    memory: MemoryEstimate
    warnings: tuple[Advice, ...]

    @classmethod
    def _from_dict(cls, d: _Json) -> Estimate:
        return cls(
            base_model=d["base_model"],
            gpu=GpuSelection._from_dict(d["gpu"]),
            hyperparameters=Hyperparameters._from_dict(d["hyperparameters"]),
            tokens=TokenCounts._from_dict(d["tokens"]),
            lora_parameters=d["lora_parameters"],
            duration_hours=Spread._floats(d["duration_hours"]),
            duration=DurationEstimate._from_dict(d["duration"]),
            cost=CostEstimate._from_dict(d["cost"]),
            memory=MemoryEstimate._from_dict(d["memory"]),
            warnings=tuple(Advice._from_dict(w) for w in d["warnings"]),
        )


@dataclass(frozen=True)
class Preset(_Record):
    """A hyperparameter preset: its name, when to choose it, and its values."""

    name: PresetName
    description: str
    hyperparameters: Hyperparameters

    @classmethod
    def _from_dict(cls, d: _Json) -> Preset:
        return cls(d["name"], d["description"], Hyperparameters._from_dict(d["hyperparameters"]))


@dataclass(frozen=True)
class Gpu(_Record):
    """A GPU of the catalog: memory (GiB), dense bf16 peak (TFLOP/s), bandwidth (GB/s) and
    the default price per GPU-hour in USD."""

    name: str
    memory_gb: float
    bf16_tflops: float
    memory_bandwidth_gbps: float
    default_price_per_hour: Decimal

    @classmethod
    def _from_dict(cls, d: _Json) -> Gpu:
        return cls(
            d["name"],
            float(d["memory_gb"]),
            float(d["bf16_tflops"]),
            float(d["memory_bandwidth_gbps"]),
            _decimal(d["default_price_per_hour"]),
        )


@dataclass(frozen=True)
class ModelArchitecture(_Record):
    """The shape of a decoder-only transformer, as far as training cost and memory depend on it."""

    parameters: int
    layers: int
    hidden_size: int
    intermediate_size: int
    attention_heads: int
    kv_heads: int
    vocab_size: int
    context_length: int
    tied_embeddings: bool

    @classmethod
    def _from_dict(cls, d: _Json) -> ModelArchitecture:
        return cls(
            parameters=d["parameters"],
            layers=d["layers"],
            hidden_size=d["hidden_size"],
            intermediate_size=d["intermediate_size"],
            attention_heads=d["attention_heads"],
            kv_heads=d["kv_heads"],
            vocab_size=d["vocab_size"],
            context_length=d["context_length"],
            tied_embeddings=d["tied_embeddings"],
        )


@dataclass(frozen=True)
class BaseModel(_Record):
    """A base model of the catalog: its Hugging Face id, a display name and its architecture."""

    id: str
    display_name: str
    architecture: ModelArchitecture

    @classmethod
    def _from_dict(cls, d: _Json) -> BaseModel:
        return cls(d["id"], d["display_name"], ModelArchitecture._from_dict(d["architecture"]))
