"""The core's records and results as typed Python values. GENERATED: do not edit.

Written by scripts/generate-types from schema/brightrun.schema.json, which
core/tests/schema.rs generates from the core's Rust types; both are drift-checked.
"""

# ruff: noqa: E501
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

from ._behaviour import MessageBehaviour
from ._codec import (
    Record,
    to_any,
    to_bool,
    to_choice,
    to_date,
    to_decimal,
    to_float,
    to_int,
    to_map,
    to_object,
    to_optional,
    to_pair,
    to_str,
    to_time,
    to_tuple,
)

_ = (date, datetime, Decimal, Path, field, to_any, to_bool, to_date, to_decimal, to_float, to_int, to_map, to_optional, to_pair, to_time, to_tuple)

Access = Literal["download", "upload"]
"""What the holder of a location may do."""
_ACCESS = ("download", "upload",)


@dataclass(frozen=True)
class Advice(Record):
    """One warning about a hyperparameter choice."""

    code: str
    """Stable code, e.g. `warmup_longer_than_run`."""

    field: str
    """The hyperparameter concerned."""

    message: str
    """What was seen, with the numbers."""

    reason: str
    """Why it matters and what to do instead."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Advice:
        """A ``Advice`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            code=to_str(d["code"]),
            field=to_str(d["field"]),
            message=to_str(d["message"]),
            reason=to_str(d["reason"]),
        )


@dataclass(frozen=True)
class AllowedRange(Record):
    """The closed interval of a hyperparameter's allowed values."""

    max: float
    """The largest allowed value."""

    min: float
    """The smallest allowed value."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AllowedRange:
        """A ``AllowedRange`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            max=to_float(d["max"]),
            min=to_float(d["min"]),
        )


@dataclass(frozen=True)
class ArtifactConfiguration(Record):
    """The configuration the adapter was trained with."""

    gpu: GpuSelection
    """The GPUs and their price."""

    hyperparameters: Hyperparameters
    """The hyperparameters of the run."""

    preset: Preset
    """The preset the hyperparameters started from."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArtifactConfiguration:
        """A ``ArtifactConfiguration`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            gpu=GpuSelection.from_dict(d["gpu"]),
            hyperparameters=Hyperparameters.from_dict(d["hyperparameters"]),
            preset=cast(Preset, to_choice(d["preset"], _PRESET)),
        )


@dataclass(frozen=True)
class ArtifactFile(Record):
    """One file of an adapter (`adapter_model.safetensors`, `adapter_config.json`, ...)."""

    bytes: int
    """Size in bytes."""

    name: str
    """File name inside the artifact's storage prefix."""

    sha256: str
    """Lowercase hex SHA-256 of the content."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArtifactFile:
        """A ``ArtifactFile`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            bytes=to_int(d["bytes"]),
            name=to_str(d["name"]),
            sha256=to_str(d["sha256"]),
        )

ArtifactStatus = Literal["stored", "archived", "deleted"]
"""Where an artifact is in its life."""
_ARTIFACTSTATUS = ("stored", "archived", "deleted",)


@dataclass(frozen=True)
class BaseModel(Record):
    """A catalog entry: a Hub id and its architecture."""

    architecture: ModelArchitecture
    """The architecture."""

    display_name: str
    """Human name."""

    id: str
    """Hugging Face Hub id."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaseModel:
        """A ``BaseModel`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            architecture=ModelArchitecture.from_dict(d["architecture"]),
            display_name=to_str(d["display_name"]),
            id=to_str(d["id"]),
        )


@dataclass(frozen=True)
class BillingPeriod(Record):
    """A billing period: one calendar month in UTC, both ends inclusive."""

    end: date
    """The last day of the month."""

    start: date
    """The first day of the month."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BillingPeriod:
        """A ``BillingPeriod`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            end=to_date(d["end"]),
            start=to_date(d["start"]),
        )


@dataclass(frozen=True)
class BudgetSettings(Record):
    """A user's spending limits."""

    alert_threshold_percent: int
    """Alert when the month's spending reaches this percentage of the budget (1 to 100)."""

    monthly_budget: Decimal | None
    """The most the user wants to spend in a calendar month; `None` for no limit."""

    per_job_cost_cap: Decimal | None
    """The most one job may cost; `None` for no cap."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BudgetSettings:
        """A ``BudgetSettings`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            alert_threshold_percent=to_int(d["alert_threshold_percent"]),
            monthly_budget=to_optional(d["monthly_budget"], lambda v1: to_decimal(v1)),
            per_job_cost_cap=to_optional(d["per_job_cost_cap"], lambda v1: to_decimal(v1)),
        )

ConvergenceQuality = Literal["excellent", "good", "fair", "poor"]
"""How well the training loss converged, judged from the loss curve."""
_CONVERGENCEQUALITY = ("excellent", "good", "fair", "poor",)


@dataclass(frozen=True)
class Conversation(Record):
    """A conversation in canonical form: what the trainer learns from."""

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset({"tools"})

    messages: tuple[Message, ...]
    """The messages in order: an optional system message, then user and assistant turns
    (and `tool` results after an assistant's tool calls).
    """

    source: Source
    """Where it came from."""

    split: Split
    """Train or validation."""

    tools: tuple[Tool, ...] | None
    """The tools its assistant messages may call (chat with tools). Left out of JSON when
    `None`.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conversation:
        """A ``Conversation`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            messages=to_tuple(d["messages"], lambda v1: Message.from_dict(v1)),
            source=Source.from_dict(d["source"]),
            split=cast(Split, to_choice(d["split"], _SPLIT)),
            tools=to_optional(d.get("tools"), lambda v1: to_tuple(v1, lambda v2: Tool.from_dict(v2))),
        )


@dataclass(frozen=True)
class ConvertSummary(Record):
    """What a conversion wrote and skipped."""

    format: DatasetFormat | None
    """The input's format; `None` for a file without records."""

    layout: Layout
    """How the input was laid out."""

    skipped_invalid: int
    """Records skipped because they had an error (run a validation to see them)."""

    skipped_overlap: int
    """Validation copies of conversations already in the training split, skipped."""

    skipped_untrained: int
    """Conversations skipped because nothing in them is trained on (v4 user turns,
    `weight: 0`).
    """

    train_conversations: int
    """Conversations written to the training file."""

    train_file: Path
    """The training file written."""

    validation_conversations: int
    """Conversations written to the validation file."""

    validation_file: Path
    """The validation file written (empty when no conversation went to validation)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConvertSummary:
        """A ``ConvertSummary`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            format=to_optional(d["format"], lambda v1: cast(DatasetFormat, to_choice(v1, _DATASETFORMAT))),
            layout=cast(Layout, to_choice(d["layout"], _LAYOUT)),
            skipped_invalid=to_int(d["skipped_invalid"]),
            skipped_overlap=to_int(d["skipped_overlap"]),
            skipped_untrained=to_int(d["skipped_untrained"]),
            train_conversations=to_int(d["train_conversations"]),
            train_file=Path(to_str(d["train_file"])),
            validation_conversations=to_int(d["validation_conversations"]),
            validation_file=Path(to_str(d["validation_file"])),
        )


@dataclass(frozen=True)
class CostEstimate(Record):
    """The cost of a job and what it is made of. Money is in whole cents."""

    billable_hours: SpreadDecimal
    """Wall-clock hours billed, rounded up to 0.0001 h."""

    compute: SpreadMoney
    """Compute cost: billable hours x price x GPUs, in cents."""

    currency: str
    """Always `USD`."""

    gpu_count: int
    """GPUs billed."""

    gpu_hours: SpreadDecimal
    """Billable hours x GPUs."""

    price_per_gpu_hour: Decimal
    """Price per GPU-hour used."""

    storage: Decimal
    """Storage cost for the assumed months, in cents."""

    storage_gb: Decimal
    """Gigabytes stored (dataset and adapter)."""

    total: Decimal
    """Expected total: expected compute + storage."""

    total_range: SpreadMoney
    """Total in the low, expected and high cases."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostEstimate:
        """A ``CostEstimate`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            billable_hours=SpreadDecimal.from_dict(d["billable_hours"]),
            compute=SpreadMoney.from_dict(d["compute"]),
            currency=to_str(d["currency"]),
            gpu_count=to_int(d["gpu_count"]),
            gpu_hours=SpreadDecimal.from_dict(d["gpu_hours"]),
            price_per_gpu_hour=to_decimal(d["price_per_gpu_hour"]),
            storage=to_decimal(d["storage"]),
            storage_gb=to_decimal(d["storage_gb"]),
            total=to_decimal(d["total"]),
            total_range=SpreadMoney.from_dict(d["total_range"]),
        )


@dataclass(frozen=True)
class CostHistoryArgs(Record):
    """`costs.history`: monthly totals."""

    months: int | None
    """Months back from this one (default 12)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostHistoryArgs:
        """A ``CostHistoryArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            months=to_optional(d["months"], lambda v1: to_int(v1)),
        )


@dataclass(frozen=True)
class CostRecord(Record):
    """One charge, attributed to a billing month."""

    amount: Decimal
    """The exact amount."""

    billing_period_end: date
    """Last day of the billing period (inclusive)."""

    billing_period_start: date
    """First day of the billing period."""

    cost_type: CostType
    """What the cost is for."""

    created_at: datetime
    """When the row was created."""

    currency: str
    """ISO 4217 code of the amount; [`super::CURRENCY`] for every amount the core computes."""

    details: Any
    """How the amount was computed (GPU type, count, hours, rate, ...)."""

    id: str
    """The record's id."""

    job_id: str | None
    """The job the cost belongs to, if any (storage costs have none)."""

    user_id: str
    """The user charged."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostRecord:
        """A ``CostRecord`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            amount=to_decimal(d["amount"]),
            billing_period_end=to_date(d["billing_period_end"]),
            billing_period_start=to_date(d["billing_period_start"]),
            cost_type=cast(CostType, to_choice(d["cost_type"], _COSTTYPE)),
            created_at=to_time(d["created_at"]),
            currency=to_str(d["currency"]),
            details=to_any(d["details"]),
            id=to_str(d["id"]),
            job_id=to_optional(d["job_id"], lambda v1: to_str(v1)),
            user_id=to_str(d["user_id"]),
        )


@dataclass(frozen=True)
class CostSummary(Record):
    """This month's spending against the budget."""

    budget: BudgetSettings
    """The user's budget settings."""

    budget_used_percent: float | None
    """Percentage of the monthly budget spent, when there is a budget."""

    month: CostTotals
    """The month's totals, by type."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostSummary:
        """A ``CostSummary`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            budget=BudgetSettings.from_dict(d["budget"]),
            budget_used_percent=to_optional(d["budget_used_percent"], lambda v1: to_float(v1)),
            month=CostTotals.from_dict(d["month"]),
        )


@dataclass(frozen=True)
class CostTotals(Record):
    """The costs of one billing period, exact, in total and by type."""

    by_type: tuple[tuple[CostType, Decimal], ...]
    """Every cost type, in [`CostType::ALL`] order, with its sum (zero when none)."""

    period: BillingPeriod
    """The period."""

    total: Decimal
    """All costs of the period."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostTotals:
        """A ``CostTotals`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            by_type=to_tuple(d["by_type"], lambda v1: to_pair(v1, lambda v2: cast(CostType, to_choice(v2, _COSTTYPE)), lambda v3: to_decimal(v3))),
            period=BillingPeriod.from_dict(d["period"]),
            total=to_decimal(d["total"]),
        )

CostType = Literal["compute", "storage", "data_transfer"]
"""What a cost is for."""
_COSTTYPE = ("compute", "storage", "data_transfer",)


@dataclass(frozen=True)
class CreateDatasetArgs(Record):
    """`datasets.create`: a dataset awaiting its file. Without `size` (a stream of unknown
    length) the store's cap is declared; the upload records the real size.
    """

    description: str | None
    """A description."""

    file_name: str
    """The file's name."""

    format: DatasetFormat
    """The file's format."""

    name: str
    """A name to show."""

    size: int | None
    """The file's size in bytes, when known."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CreateDatasetArgs:
        """A ``CreateDatasetArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            description=to_optional(d["description"], lambda v1: to_str(v1)),
            file_name=to_str(d["file_name"]),
            format=cast(DatasetFormat, to_choice(d["format"], _DATASETFORMAT)),
            name=to_str(d["name"]),
            size=to_optional(d["size"], lambda v1: to_int(v1)),
        )


@dataclass(frozen=True)
class CurrentMetrics(Record):
    """The latest training metrics of a job (also the values of one stored metrics point)."""

    gpu_memory_used_gb: float | None
    """GPU memory in use, in GiB, on the fullest GPU."""

    gpu_utilization_percent: float | None
    """GPU utilisation in percent (0 to 100), averaged over the job's GPUs."""

    grad_norm: float | None
    """Gradient norm before clipping."""

    learning_rate: float | None
    """Learning rate of the schedule."""

    tokens_per_second: float | None
    """Training throughput in tokens per second, all GPUs together."""

    training_loss: float | None
    """Training loss."""

    validation_loss: float | None
    """Validation loss, at evaluation steps."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CurrentMetrics:
        """A ``CurrentMetrics`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            gpu_memory_used_gb=to_optional(d["gpu_memory_used_gb"], lambda v1: to_float(v1)),
            gpu_utilization_percent=to_optional(d["gpu_utilization_percent"], lambda v1: to_float(v1)),
            grad_norm=to_optional(d["grad_norm"], lambda v1: to_float(v1)),
            learning_rate=to_optional(d["learning_rate"], lambda v1: to_float(v1)),
            tokens_per_second=to_optional(d["tokens_per_second"], lambda v1: to_float(v1)),
            training_loss=to_optional(d["training_loss"], lambda v1: to_float(v1)),
            validation_loss=to_optional(d["validation_loss"], lambda v1: to_float(v1)),
        )


@dataclass(frozen=True)
class Dataset(Record):
    """A dataset: one uploaded training file of one user."""

    avg_tokens_per_example: float | None
    """Mean number of tokens per training example."""

    avg_turns_per_conversation: float | None
    """Mean number of turns per conversation."""

    created_at: datetime
    """When the row was created."""

    deleted_at: datetime | None
    """When the user deleted the dataset (soft delete)."""

    description: str | None
    """Free-text description."""

    file_name: str
    """The file name as uploaded."""

    file_size: int
    """File size in bytes."""

    format: DatasetFormat
    """The detected file format."""

    id: str
    """The dataset's id."""

    name: str
    """Display name chosen by the user."""

    sample_data: Any
    """The first canonical conversations, for preview."""

    statistics: Any
    """The full statistics object of the validation report."""

    status: DatasetStatus
    """Where the dataset is in its life."""

    storage_path: str | None
    """Object-storage key of the file (`datasets/{user}/{dataset}/{file}`), once uploaded."""

    total_tokens: int
    """Exact token count of the whole file, with the base model's tokenizer."""

    total_training_pairs: int
    """Trainable pairs (assistant targets) in the training split."""

    total_validation_pairs: int
    """Pairs in the validation split."""

    training_ready: bool
    """Whether the dataset passed validation and can be trained on."""

    updated_at: datetime
    """When the row last changed."""

    user_id: str
    """The owner."""

    validated_at: datetime | None
    """When validation finished."""

    validation_errors: tuple[ValidationFinding, ...]
    """The stored findings of validation (the first ones of each code, up to a cap)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dataset:
        """A ``Dataset`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            avg_tokens_per_example=to_optional(d["avg_tokens_per_example"], lambda v1: to_float(v1)),
            avg_turns_per_conversation=to_optional(d["avg_turns_per_conversation"], lambda v1: to_float(v1)),
            created_at=to_time(d["created_at"]),
            deleted_at=to_optional(d["deleted_at"], lambda v1: to_time(v1)),
            description=to_optional(d["description"], lambda v1: to_str(v1)),
            file_name=to_str(d["file_name"]),
            file_size=to_int(d["file_size"]),
            format=cast(DatasetFormat, to_choice(d["format"], _DATASETFORMAT)),
            id=to_str(d["id"]),
            name=to_str(d["name"]),
            sample_data=to_any(d["sample_data"]),
            statistics=to_any(d["statistics"]),
            status=cast(DatasetStatus, to_choice(d["status"], _DATASETSTATUS)),
            storage_path=to_optional(d["storage_path"], lambda v1: to_str(v1)),
            total_tokens=to_int(d["total_tokens"]),
            total_training_pairs=to_int(d["total_training_pairs"]),
            total_validation_pairs=to_int(d["total_validation_pairs"]),
            training_ready=to_bool(d["training_ready"]),
            updated_at=to_time(d["updated_at"]),
            user_id=to_str(d["user_id"]),
            validated_at=to_optional(d["validated_at"], lambda v1: to_time(v1)),
            validation_errors=to_tuple(d["validation_errors"], lambda v1: ValidationFinding.from_dict(v1)),
        )

DatasetFormat = Literal["brightrun_lora_v4", "brightrun_lora_v3", "chat", "prompt_completion", "alpaca", "sharegpt", "text", "gemini"]
"""The file format of a dataset, detected from its first records (one format per file)."""
_DATASETFORMAT = ("brightrun_lora_v4", "brightrun_lora_v3", "chat", "prompt_completion", "alpaca", "sharegpt", "text", "gemini",)


@dataclass(frozen=True)
class DatasetStats(Record):
    """The statistics of a validation report. A file with errors still has them."""

    bytes: int
    """Bytes of the file (decompressed)."""

    conversations: int
    """Records that became a canonical conversation (a v4 pair is one)."""

    duplicates: int
    """Conversations that repeat an earlier one in the same split."""

    lines: int
    """Lines of the file, blank lines counted."""

    max_seq_len: int | None
    """The maximum sequence length checked against, if any."""

    messages_per_conversation: Spread | None
    """Messages per conversation."""

    over_max_seq_len: int
    """Conversations longer than `max_seq_len` (they will be truncated)."""

    records: int
    """Records: non-blank lines of a JSONL file or records of a JSON document, `_meta` aside."""

    roles: RoleCounts
    """Messages by role."""

    source_conversations: int | None
    """Distinct `conversation_id`s (v3, v4), when the format has them: a v4 conversation
    spans several pairs.
    """

    tokenizer: str | None
    """The token counter, as it names itself; `None` when tokens were not counted."""

    tokens_exact: bool
    """Whether the token counts are exactly the trainer's (false for an estimate)."""

    tokens_per_conversation: TokenSpread | None
    """Tokens per conversation the trainer sees."""

    total_tokens: int | None
    """Tokens of the conversations the trainer sees (those with a target), both splits."""

    train_validation_overlap: int
    """Conversations that are in both the train and the validation split."""

    trainable_tokens: int | None
    """Of which assistant tokens, the ones the loss is computed on."""

    training_examples: int
    """Conversations of the train split with at least one assistant target."""

    training_pairs: int
    """Assistant targets (the pairs learnt from) in the train split."""

    user_turn_pairs: int
    """v4 pairs whose `target_response` is null: user turns, counted, not trained on."""

    validation_examples: int
    """Conversations of the validation split with at least one assistant target."""

    validation_pairs: int
    """Assistant targets in the validation split."""

    validation_tokens: int | None
    """Of `total_tokens`, those of the validation split."""

    zero_weight_conversations: int
    """Conversations not trained on because of `weight: 0`: on the chat record, or on every
    assistant message.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetStats:
        """A ``DatasetStats`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            bytes=to_int(d["bytes"]),
            conversations=to_int(d["conversations"]),
            duplicates=to_int(d["duplicates"]),
            lines=to_int(d["lines"]),
            max_seq_len=to_optional(d["max_seq_len"], lambda v1: to_int(v1)),
            messages_per_conversation=to_optional(d["messages_per_conversation"], lambda v1: Spread.from_dict(v1)),
            over_max_seq_len=to_int(d["over_max_seq_len"]),
            records=to_int(d["records"]),
            roles=RoleCounts.from_dict(d["roles"]),
            source_conversations=to_optional(d["source_conversations"], lambda v1: to_int(v1)),
            tokenizer=to_optional(d["tokenizer"], lambda v1: to_str(v1)),
            tokens_exact=to_bool(d["tokens_exact"]),
            tokens_per_conversation=to_optional(d["tokens_per_conversation"], lambda v1: TokenSpread.from_dict(v1)),
            total_tokens=to_optional(d["total_tokens"], lambda v1: to_int(v1)),
            train_validation_overlap=to_int(d["train_validation_overlap"]),
            trainable_tokens=to_optional(d["trainable_tokens"], lambda v1: to_int(v1)),
            training_examples=to_int(d["training_examples"]),
            training_pairs=to_int(d["training_pairs"]),
            user_turn_pairs=to_int(d["user_turn_pairs"]),
            validation_examples=to_int(d["validation_examples"]),
            validation_pairs=to_int(d["validation_pairs"]),
            validation_tokens=to_optional(d["validation_tokens"], lambda v1: to_int(v1)),
            zero_weight_conversations=to_int(d["zero_weight_conversations"]),
        )

DatasetStatus = Literal["uploading", "validating", "ready", "error"]
"""Where a dataset is in its life: uploaded, checked, then usable or not."""
_DATASETSTATUS = ("uploading", "validating", "ready", "error",)


@dataclass(frozen=True)
class DatasetSummary(Record):
    """What a job page shows about its dataset."""

    format: DatasetFormat
    """Its format."""

    id: str
    """The dataset."""

    name: str
    """Its name."""

    total_tokens: int
    """Tokens."""

    training_pairs: int
    """Training pairs."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetSummary:
        """A ``DatasetSummary`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            format=cast(DatasetFormat, to_choice(d["format"], _DATASETFORMAT)),
            id=to_str(d["id"]),
            name=to_str(d["name"]),
            total_tokens=to_int(d["total_tokens"]),
            training_pairs=to_int(d["training_pairs"]),
        )


@dataclass(frozen=True)
class DatasetUpload(Record):
    """A created dataset and where to put its file."""

    dataset: Dataset
    """The dataset, status `uploading`."""

    upload: Location | None
    """A signed PUT URL (S3-compatible stores) or the local file path (a local directory);
    `None` when the store gives no direct access: upload through
    [`BrightRun::upload_dataset`] instead.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetUpload:
        """A ``DatasetUpload`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            dataset=Dataset.from_dict(d["dataset"]),
            upload=to_optional(d["upload"], lambda v1: _read_Location(v1)),
        )


@dataclass(frozen=True)
class DownloadUrlsArgs(Record):
    """`models.download_urls`: where to download each file of a model."""

    expires_in: int | None
    """Seconds a signed URL stays valid (default 3600)."""

    id: str
    """The model."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DownloadUrlsArgs:
        """A ``DownloadUrlsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            expires_in=to_optional(d["expires_in"], lambda v1: to_int(v1)),
            id=to_str(d["id"]),
        )


@dataclass(frozen=True)
class DurationEstimate(Record):
    """The duration of a job and what it is made of."""

    flops_per_token: FlopsPerToken
    """Training FLOPs of one token."""

    model_load_seconds: SpreadFloat
    """Reading the base weights."""

    save_seconds: SpreadFloat
    """Writing the adapter."""

    startup_seconds: SpreadFloat
    """Scheduling, container start and initialisation."""

    throughput_source: ThroughputSource
    """Where `tokens_per_second` came from."""

    tokens_per_second: SpreadFloat
    """Tokens trained on per second, all GPUs together."""

    tokens_processed: int
    """Tokens trained on: tokens per epoch x epochs."""

    total_seconds: SpreadFloat
    """Wall-clock seconds from submission to the adapter being saved."""

    training_seconds: SpreadFloat
    """Seconds spent in training steps."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DurationEstimate:
        """A ``DurationEstimate`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            flops_per_token=FlopsPerToken.from_dict(d["flops_per_token"]),
            model_load_seconds=SpreadFloat.from_dict(d["model_load_seconds"]),
            save_seconds=SpreadFloat.from_dict(d["save_seconds"]),
            startup_seconds=SpreadFloat.from_dict(d["startup_seconds"]),
            throughput_source=cast(ThroughputSource, to_choice(d["throughput_source"], _THROUGHPUTSOURCE)),
            tokens_per_second=SpreadFloat.from_dict(d["tokens_per_second"]),
            tokens_processed=to_int(d["tokens_processed"]),
            total_seconds=SpreadFloat.from_dict(d["total_seconds"]),
            training_seconds=SpreadFloat.from_dict(d["training_seconds"]),
        )


@dataclass(frozen=True)
class Estimate(Record):
    """A complete estimate: time, money and memory, with warnings."""

    base_model: str
    """The base model, as given in the hyperparameters."""

    cost: CostEstimate
    """The cost."""

    duration: DurationEstimate
    """The duration in detail."""

    duration_hours: SpreadFloat
    """Wall-clock hours, low / expected / high."""

    gpu: GpuSelection
    """The GPUs priced."""

    hyperparameters: Hyperparameters
    """The hyperparameters estimated."""

    lora_parameters: int
    """Trainable adapter parameters."""

    memory: MemoryEstimate
    """The memory fit."""

    tokens: TokenCounts
    """Tokens trained on."""

    warnings: tuple[Advice, ...]
    """Advice and problems worth a look before starting."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Estimate:
        """A ``Estimate`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            base_model=to_str(d["base_model"]),
            cost=CostEstimate.from_dict(d["cost"]),
            duration=DurationEstimate.from_dict(d["duration"]),
            duration_hours=SpreadFloat.from_dict(d["duration_hours"]),
            gpu=GpuSelection.from_dict(d["gpu"]),
            hyperparameters=Hyperparameters.from_dict(d["hyperparameters"]),
            lora_parameters=to_int(d["lora_parameters"]),
            memory=MemoryEstimate.from_dict(d["memory"]),
            tokens=TokenCounts.from_dict(d["tokens"]),
            warnings=to_tuple(d["warnings"], lambda v1: Advice.from_dict(v1)),
        )


@dataclass(frozen=True)
class EventBatch(Record):
    """Lines read in one call, and the cursor after them."""

    cursor: EventCursor
    """Where the next call starts."""

    lines: tuple[WorkerLine, ...]
    """Events and log lines, in order."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventBatch:
        """A ``EventBatch`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            cursor=to_int(d["cursor"]),
            lines=to_tuple(d["lines"], lambda v1: _read_WorkerLine(v1)),
        )

EventCursor = int
"""Where the next read starts: a byte offset into the worker's output, stored with the job
so a restarted orchestrator continues where the last one stopped.
"""


@dataclass(frozen=True)
class FitSuggestion(Record):
    """A single change that makes a job fit, with what it would then need."""

    change: str
    """The change, in words with the new value."""

    code: str
    """Stable code: `gradient_checkpointing`, `quantization_4bit`, `quantization_8bit`,
    `more_gpus`, `smaller_batch`, `shorter_sequences`, `larger_gpu`.
    """

    required_gb: float
    """GiB per GPU after the change."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FitSuggestion:
        """A ``FitSuggestion`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            change=to_str(d["change"]),
            code=to_str(d["code"]),
            required_gb=to_float(d["required_gb"]),
        )


@dataclass(frozen=True)
class FlatConvertOptions(Record):
    """The options of a conversion with JSON (or JavaScript) types; see [`FlatValidateOptions`]."""

    format: str | None
    """The format's name, instead of recognising it."""

    validation_fraction: float | None
    """Share of the conversations without a `split` that go to validation: 0 to 1 excluded."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlatConvertOptions:
        """A ``FlatConvertOptions`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            format=to_optional(d["format"], lambda v1: to_str(v1)),
            validation_fraction=to_optional(d["validation_fraction"], lambda v1: to_float(v1)),
        )


@dataclass(frozen=True)
class FlatEstimateOptions(Record):
    """An estimate's options the way front ends without Rust's types hold them: names and
    amounts as text, counts as numbers that may be floats (JSON, JavaScript, Python).

    Field names are [`EstimateOptions`]' and [`HyperparameterOverrides`]' (snake_case, as
    in JSON); everything but `base_model`, `gpu` and `tokens` is optional. The Python
    binding deserialises it from JSON, the Node binding fills it from its options object;
    [`FlatEstimateOptions::into_options`] checks and converts every field, so both report
    bad input with the same codes and messages.
    """

    base_model: str
    """Base model by Hugging Face id."""

    batch_size: float | None
    """Examples per micro-batch, across all GPUs of the job."""

    dataset_bytes: float | None
    """Dataset bytes (default 0)."""

    epochs: float | None
    """Passes over the training split."""

    examples: float | None
    """Training examples."""

    gpu: str
    """GPU type, a catalog name."""

    gpus: float | None
    """Number of GPUs (default 1)."""

    gradient_accumulation_steps: float | None
    """Micro-batches accumulated into one optimiser step."""

    gradient_checkpointing: bool | None
    """Recompute activations in the backward pass to save memory."""

    learning_rate: float | None
    """Peak learning rate of the schedule."""

    lora_alpha: float | None
    """LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`)."""

    lora_dropout: float | None
    """Dropout applied to the LoRA input."""

    lora_rank: float | None
    """LoRA rank `r`."""

    max_grad_norm: float | None
    """Gradient clipping norm."""

    max_seq_len: float | None
    """Longest example in tokens; longer ones are truncated by the trainer."""

    measured_tokens_per_second: float | None
    """Measured tokens per second of one GPU."""

    model_config: str | None
    """Path of the model's `config.json`."""

    preset: str | None
    """Preset name (default `balanced`)."""

    price_per_gpu_hour: str | None
    """Price per GPU-hour as decimal text (`"2.49"`)."""

    quantization: str | None
    """Storage of the frozen base weights: none (bf16), 8bit or 4bit (QLoRA NF4)."""

    target_modules: tuple[str, ...] | None
    """Module names LoRA adapts (`q_proj`, `v_proj`, ...); the range is their count."""

    tokens: float
    """Tokens in one epoch: a whole number."""

    warmup_steps: float | None
    """Optimiser steps of linear learning-rate warmup."""

    weight_decay: float | None
    """AdamW weight decay."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlatEstimateOptions:
        """A ``FlatEstimateOptions`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            base_model=to_str(d["base_model"]),
            batch_size=to_optional(d["batch_size"], lambda v1: to_float(v1)),
            dataset_bytes=to_optional(d["dataset_bytes"], lambda v1: to_float(v1)),
            epochs=to_optional(d["epochs"], lambda v1: to_float(v1)),
            examples=to_optional(d["examples"], lambda v1: to_float(v1)),
            gpu=to_str(d["gpu"]),
            gpus=to_optional(d["gpus"], lambda v1: to_float(v1)),
            gradient_accumulation_steps=to_optional(d["gradient_accumulation_steps"], lambda v1: to_float(v1)),
            gradient_checkpointing=to_optional(d["gradient_checkpointing"], lambda v1: to_bool(v1)),
            learning_rate=to_optional(d["learning_rate"], lambda v1: to_float(v1)),
            lora_alpha=to_optional(d["lora_alpha"], lambda v1: to_float(v1)),
            lora_dropout=to_optional(d["lora_dropout"], lambda v1: to_float(v1)),
            lora_rank=to_optional(d["lora_rank"], lambda v1: to_float(v1)),
            max_grad_norm=to_optional(d["max_grad_norm"], lambda v1: to_float(v1)),
            max_seq_len=to_optional(d["max_seq_len"], lambda v1: to_float(v1)),
            measured_tokens_per_second=to_optional(d["measured_tokens_per_second"], lambda v1: to_float(v1)),
            model_config=to_optional(d["model_config"], lambda v1: to_str(v1)),
            preset=to_optional(d["preset"], lambda v1: to_str(v1)),
            price_per_gpu_hour=to_optional(d["price_per_gpu_hour"], lambda v1: to_str(v1)),
            quantization=to_optional(d["quantization"], lambda v1: to_str(v1)),
            target_modules=to_optional(d["target_modules"], lambda v1: to_tuple(v1, lambda v2: to_str(v2))),
            tokens=to_float(d["tokens"]),
            warmup_steps=to_optional(d["warmup_steps"], lambda v1: to_float(v1)),
            weight_decay=to_optional(d["weight_decay"], lambda v1: to_float(v1)),
        )


@dataclass(frozen=True)
class FlatValidateOptions(Record):
    """The options of a validation with JSON (or JavaScript) types: numbers are floats and must
    be whole (`invalid_option`), the format is its name (`unknown_value`), and the tokenizer
    a Hugging Face model id or a `tokenizer.json` path (`tokenizer_load_failed`). Unset
    fields take the CLI's defaults: the format detected, `max_seq_len` 2048, `min_examples` 10,
    tokens estimated.
    """

    format: str | None
    """The format's name (`chat`, `prompt_completion`, `alpaca`, `sharegpt`, `text`,
    `brightrun_lora_v3`, `brightrun_lora_v4`).
    """

    max_seq_len: float | None
    """Conversations longer than this many tokens are reported."""

    min_examples: float | None
    """Fewer training examples than this is an error."""

    tokenizer: str | None
    """A Hugging Face model id or the path of a `tokenizer.json`, to count tokens exactly;
    found in the local caches only (see [`ResolveOptions::from_env`]).
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlatValidateOptions:
        """A ``FlatValidateOptions`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            format=to_optional(d["format"], lambda v1: to_str(v1)),
            max_seq_len=to_optional(d["max_seq_len"], lambda v1: to_float(v1)),
            min_examples=to_optional(d["min_examples"], lambda v1: to_float(v1)),
            tokenizer=to_optional(d["tokenizer"], lambda v1: to_str(v1)),
        )


@dataclass(frozen=True)
class FlopsPerToken(Record):
    """The FLOPs of one trained token, with the terms that make it up."""

    adapter: float
    """Forward, backward and weight-gradient FLOPs of the adapter."""

    attention: float
    """Attention score and value FLOPs (forward, backward, recomputation)."""

    frozen_matmul: float
    """Dense matmul FLOPs through the frozen weights (forward, backward, recomputation)."""

    total: float
    """The sum."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlopsPerToken:
        """A ``FlopsPerToken`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            adapter=to_float(d["adapter"]),
            attention=to_float(d["attention"]),
            frozen_matmul=to_float(d["frozen_matmul"]),
            total=to_float(d["total"]),
        )


@dataclass(frozen=True)
class FunctionCall(Record):
    """A function called and its arguments."""

    arguments: JsonObject
    """The arguments, a JSON object (OpenAI's string of JSON, parsed)."""

    name: str
    """The function's name, one of the conversation's tools."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FunctionCall:
        """A ``FunctionCall`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            arguments=dict(to_object(d["arguments"])),
            name=to_str(d["name"]),
        )


@dataclass(frozen=True)
class FunctionDefinition(Record):
    """A function's name, what it does and the JSON schema of its arguments."""

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset({"description", "parameters"})

    description: str | None
    """What it does, for the model."""

    name: str
    """The name calls use."""

    parameters: JsonObject | None
    """The JSON schema of its arguments."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FunctionDefinition:
        """A ``FunctionDefinition`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            description=to_optional(d.get("description"), lambda v1: to_str(v1)),
            name=to_str(d["name"]),
            parameters=to_optional(d.get("parameters"), lambda v1: dict(to_object(v1))),
        )


@dataclass(frozen=True)
class GpuSelection(Record):
    """The GPUs a job runs on: a kind, a count and the price actually paid."""

    gpu_count: int
    """GPUs in the job, 1 to 8."""

    gpu_type: str
    """Catalog name of the GPU."""

    price_per_gpu_hour: Decimal
    """Price per GPU-hour in USD."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GpuSelection:
        """A ``GpuSelection`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            gpu_count=to_int(d["gpu_count"]),
            gpu_type=to_str(d["gpu_type"]),
            price_per_gpu_hour=to_decimal(d["price_per_gpu_hour"]),
        )


@dataclass(frozen=True)
class GpuSpec(Record):
    """One kind of GPU."""

    bf16_tflops: float
    """Dense bf16 tensor-core peak in TFLOP/s (no sparsity)."""

    default_price_per_hour: Decimal
    """Default price per GPU-hour in USD."""

    memory_bandwidth_gbps: float
    """Memory bandwidth in GB/s."""

    memory_gb: float
    """Memory per GPU in GiB."""

    name: str
    """Catalog name (`A100-80GB`)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GpuSpec:
        """A ``GpuSpec`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            bf16_tflops=to_float(d["bf16_tflops"]),
            default_price_per_hour=to_decimal(d["default_price_per_hour"]),
            memory_bandwidth_gbps=to_float(d["memory_bandwidth_gbps"]),
            memory_gb=to_float(d["memory_gb"]),
            name=to_str(d["name"]),
        )


@dataclass(frozen=True)
class HyperparameterSpec(Record):
    """One hyperparameter a job may set: its name, kind, allowed values and what it is. The
    bindings' `hyperparameters()` and `brightrun hyperparameters --json` list them all, so a
    form can offer exactly what a job accepts.
    """

    choices: tuple[str, ...]
    """The allowed names of a choice (empty for the other kinds)."""

    doc: str
    """What it is, in one line."""

    kind: ValueKind
    """What it holds."""

    name: str
    """The field, as named in JSON and flags (`lora_rank`, `--lora-rank`, `loraRank`)."""

    range: AllowedRange | None
    """The allowed values (for a list of names, their count), when a range applies."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HyperparameterSpec:
        """A ``HyperparameterSpec`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            choices=to_tuple(d["choices"], lambda v1: to_str(v1)),
            doc=to_str(d["doc"]),
            kind=cast(ValueKind, to_choice(d["kind"], _VALUEKIND)),
            name=to_str(d["name"]),
            range=to_optional(d["range"], lambda v1: AllowedRange.from_dict(v1)),
        )


@dataclass(frozen=True)
class Hyperparameters(Record):
    """Everything that shapes one LoRA training run."""

    base_model: str
    """Hugging Face Hub id (or local directory) of the base model."""

    batch_size: int
    """Examples per micro-batch, across all GPUs of the job."""

    epochs: int
    """Passes over the training split."""

    gradient_accumulation_steps: int
    """Micro-batches accumulated into one optimiser step."""

    gradient_checkpointing: bool
    """Recompute activations in the backward pass to save memory."""

    learning_rate: float
    """Peak learning rate of the schedule."""

    lora_alpha: int
    """LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`)."""

    lora_dropout: float
    """Dropout applied to the LoRA input."""

    lora_rank: int
    """LoRA rank `r`."""

    max_grad_norm: float
    """Gradient clipping norm."""

    max_seq_len: int
    """Longest example in tokens; longer ones are truncated by the trainer."""

    quantization: Quantization
    """Storage of the frozen base weights."""

    target_modules: tuple[str, ...]
    """Module names LoRA adapts (`q_proj`, `v_proj`, ...)."""

    warmup_steps: int
    """Optimiser steps of linear learning-rate warmup."""

    weight_decay: float
    """AdamW weight decay."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Hyperparameters:
        """A ``Hyperparameters`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            base_model=to_str(d["base_model"]),
            batch_size=to_int(d["batch_size"]),
            epochs=to_int(d["epochs"]),
            gradient_accumulation_steps=to_int(d["gradient_accumulation_steps"]),
            gradient_checkpointing=to_bool(d["gradient_checkpointing"]),
            learning_rate=to_float(d["learning_rate"]),
            lora_alpha=to_int(d["lora_alpha"]),
            lora_dropout=to_float(d["lora_dropout"]),
            lora_rank=to_int(d["lora_rank"]),
            max_grad_norm=to_float(d["max_grad_norm"]),
            max_seq_len=to_int(d["max_seq_len"]),
            quantization=cast(Quantization, to_choice(d["quantization"], _QUANTIZATION)),
            target_modules=to_tuple(d["target_modules"], lambda v1: to_str(v1)),
            warmup_steps=to_int(d["warmup_steps"]),
            weight_decay=to_float(d["weight_decay"]),
        )


@dataclass(frozen=True)
class JobArgs(Record):
    """`jobs.estimate` and `jobs.create`: the dataset, and the estimate's options (base
    model, GPU, count, price, preset and any hyperparameter; the dataset gives the tokens).
    """

    base_model: str
    """Base model by Hugging Face id."""

    batch_size: float | None
    """Examples per micro-batch, across all GPUs of the job."""

    dataset_bytes: float | None
    """Dataset bytes (default 0)."""

    dataset_id: str
    """The dataset (status `ready`)."""

    epochs: float | None
    """Passes over the training split."""

    examples: float | None
    """Training examples."""

    gpu: str
    """GPU type, a catalog name."""

    gpus: float | None
    """Number of GPUs (default 1)."""

    gradient_accumulation_steps: float | None
    """Micro-batches accumulated into one optimiser step."""

    gradient_checkpointing: bool | None
    """Recompute activations in the backward pass to save memory."""

    learning_rate: float | None
    """Peak learning rate of the schedule."""

    lora_alpha: float | None
    """LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`)."""

    lora_dropout: float | None
    """Dropout applied to the LoRA input."""

    lora_rank: float | None
    """LoRA rank `r`."""

    max_grad_norm: float | None
    """Gradient clipping norm."""

    max_seq_len: float | None
    """Longest example in tokens; longer ones are truncated by the trainer."""

    measured_tokens_per_second: float | None
    """Measured tokens per second of one GPU."""

    model_config: str | None
    """Path of the model's `config.json`."""

    preset: str | None
    """Preset name (default `balanced`)."""

    price_per_gpu_hour: str | None
    """Price per GPU-hour as decimal text (`"2.49"`)."""

    quantization: str | None
    """Storage of the frozen base weights: none (bf16), 8bit or 4bit (QLoRA NF4)."""

    target_modules: tuple[str, ...] | None
    """Module names LoRA adapts (`q_proj`, `v_proj`, ...); the range is their count."""

    tokens: float
    """Tokens in one epoch: a whole number."""

    warmup_steps: float | None
    """Optimiser steps of linear learning-rate warmup."""

    weight_decay: float | None
    """AdamW weight decay."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobArgs:
        """A ``JobArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            base_model=to_str(d["base_model"]),
            batch_size=to_optional(d["batch_size"], lambda v1: to_float(v1)),
            dataset_bytes=to_optional(d["dataset_bytes"], lambda v1: to_float(v1)),
            dataset_id=to_str(d["dataset_id"]),
            epochs=to_optional(d["epochs"], lambda v1: to_float(v1)),
            examples=to_optional(d["examples"], lambda v1: to_float(v1)),
            gpu=to_str(d["gpu"]),
            gpus=to_optional(d["gpus"], lambda v1: to_float(v1)),
            gradient_accumulation_steps=to_optional(d["gradient_accumulation_steps"], lambda v1: to_float(v1)),
            gradient_checkpointing=to_optional(d["gradient_checkpointing"], lambda v1: to_bool(v1)),
            learning_rate=to_optional(d["learning_rate"], lambda v1: to_float(v1)),
            lora_alpha=to_optional(d["lora_alpha"], lambda v1: to_float(v1)),
            lora_dropout=to_optional(d["lora_dropout"], lambda v1: to_float(v1)),
            lora_rank=to_optional(d["lora_rank"], lambda v1: to_float(v1)),
            max_grad_norm=to_optional(d["max_grad_norm"], lambda v1: to_float(v1)),
            max_seq_len=to_optional(d["max_seq_len"], lambda v1: to_float(v1)),
            measured_tokens_per_second=to_optional(d["measured_tokens_per_second"], lambda v1: to_float(v1)),
            model_config=to_optional(d["model_config"], lambda v1: to_str(v1)),
            preset=to_optional(d["preset"], lambda v1: to_str(v1)),
            price_per_gpu_hour=to_optional(d["price_per_gpu_hour"], lambda v1: to_str(v1)),
            quantization=to_optional(d["quantization"], lambda v1: to_str(v1)),
            target_modules=to_optional(d["target_modules"], lambda v1: to_tuple(v1, lambda v2: to_str(v2))),
            tokens=to_float(d["tokens"]),
            warmup_steps=to_optional(d["warmup_steps"], lambda v1: to_float(v1)),
            weight_decay=to_optional(d["weight_decay"], lambda v1: to_float(v1)),
        )


@dataclass(frozen=True)
class JobDetails(Record):
    """A job with its dataset."""

    dataset: DatasetSummary | None
    """Its dataset (even if since deleted, as it was)."""

    job: TrainingJob
    """The job."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobDetails:
        """A ``JobDetails`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            dataset=to_optional(d["dataset"], lambda v1: DatasetSummary.from_dict(v1)),
            job=TrainingJob.from_dict(d["job"]),
        )


@dataclass(frozen=True)
class JobEventsArgs(Record):
    """`jobs.events`: the worker's output after a cursor."""

    after: int | None
    """The cursor of the previous page (default: from the start)."""

    id: str
    """The job."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobEventsArgs:
        """A ``JobEventsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            after=to_optional(d["after"], lambda v1: to_int(v1)),
            id=to_str(d["id"]),
        )


@dataclass(frozen=True)
class JobMetricsArgs(Record):
    """`jobs.metrics`: a job's metrics, downsampled."""

    id: str
    """The job."""

    max_points: int | None
    """The most points (2 to 5,000; default 500)."""

    series: MetricSeries | None
    """The series whose shape the downsampling keeps (default `training_loss`)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobMetricsArgs:
        """A ``JobMetricsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            id=to_str(d["id"]),
            max_points=to_optional(d["max_points"], lambda v1: to_int(v1)),
            series=to_optional(d["series"], lambda v1: cast(MetricSeries, to_choice(v1, _METRICSERIES))),
        )

JobStage = Literal["queued_on_backend", "loading", "training", "evaluating", "saving", "collecting"]
"""What a running job is doing: a refinement of [`JobStatus::Running`]."""
_JOBSTAGE = ("queued_on_backend", "loading", "training", "evaluating", "saving", "collecting",)

JobStatus = Literal["queued", "initializing", "running", "completed", "failed", "cancelled"]
"""The status of a training job."""
_JOBSTATUS = ("queued", "initializing", "running", "completed", "failed", "cancelled",)

JsonObject = dict[str, Any]

Layout = Literal["jsonl", "json_document", "json_array", "csv", "parquet", "arrow"]
"""How the records of a file are laid out."""
_LAYOUT = ("jsonl", "json_document", "json_array", "csv", "parquet", "arrow",)


@dataclass(frozen=True)
class ListDatasetsArgs(Record):
    """`datasets.list`: a page of the user's datasets, newest first."""

    format: DatasetFormat | None
    """Only datasets of this format."""

    limit: int | None
    """Rows of the page (default 20)."""

    offset: int | None
    """Rows skipped before the page."""

    search: str | None
    """Only datasets whose name contains this text."""

    status: DatasetStatus | None
    """Only datasets of this status."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListDatasetsArgs:
        """A ``ListDatasetsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            format=to_optional(d["format"], lambda v1: cast(DatasetFormat, to_choice(v1, _DATASETFORMAT))),
            limit=to_optional(d["limit"], lambda v1: to_int(v1)),
            offset=to_optional(d["offset"], lambda v1: to_int(v1)),
            search=to_optional(d["search"], lambda v1: to_str(v1)),
            status=to_optional(d["status"], lambda v1: cast(DatasetStatus, to_choice(v1, _DATASETSTATUS))),
        )


@dataclass(frozen=True)
class ListJobsArgs(Record):
    """`jobs.list`: a page of the user's jobs, newest first."""

    dataset_id: str | None
    """Only jobs of this dataset."""

    limit: int | None
    """Rows of the page (default 20)."""

    offset: int | None
    """Rows skipped before the page."""

    status: JobStatus | None
    """Only jobs of this status."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListJobsArgs:
        """A ``ListJobsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            dataset_id=to_optional(d["dataset_id"], lambda v1: to_str(v1)),
            limit=to_optional(d["limit"], lambda v1: to_int(v1)),
            offset=to_optional(d["offset"], lambda v1: to_int(v1)),
            status=to_optional(d["status"], lambda v1: cast(JobStatus, to_choice(v1, _JOBSTATUS))),
        )


@dataclass(frozen=True)
class ListModelsArgs(Record):
    """`models.list`: a page of the user's models, newest first."""

    job_id: str | None
    """Only the model of this job."""

    limit: int | None
    """Rows of the page (default 20)."""

    offset: int | None
    """Rows skipped before the page."""

    status: ArtifactStatus | None
    """Only models of this status."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListModelsArgs:
        """A ``ListModelsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            job_id=to_optional(d["job_id"], lambda v1: to_str(v1)),
            limit=to_optional(d["limit"], lambda v1: to_int(v1)),
            offset=to_optional(d["offset"], lambda v1: to_int(v1)),
            status=to_optional(d["status"], lambda v1: cast(ArtifactStatus, to_choice(v1, _ARTIFACTSTATUS))),
        )


@dataclass(frozen=True)
class ListNotificationsArgs(Record):
    """`notifications.list`: a page of the user's notifications, newest first."""

    limit: int | None
    """Rows of the page (default 20)."""

    offset: int | None
    """Rows skipped before the page."""

    unread: bool | None
    """Only unread ones."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListNotificationsArgs:
        """A ``ListNotificationsArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            limit=to_optional(d["limit"], lambda v1: to_int(v1)),
            offset=to_optional(d["offset"], lambda v1: to_int(v1)),
            unread=to_optional(d["unread"], lambda v1: to_bool(v1)),
        )


@dataclass(frozen=True)
class LocationSignedUrl(Record):
    """Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
    "access", "expires_at"}` or `{"kind": "local_path", "path"}`.
    """

    access: Access

    expires_at: datetime
    """A UTC time (RFC 3339) with microsecond precision."""

    kind: Literal["signed_url"]

    url: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocationSignedUrl:
        """A ``LocationSignedUrl`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            access=cast(Access, to_choice(d["access"], _ACCESS)),
            expires_at=to_time(d["expires_at"]),
            kind=cast(Literal["signed_url"], to_choice(d["kind"], ("signed_url",))),
            url=to_str(d["url"]),
        )


@dataclass(frozen=True)
class LocationLocalPath(Record):
    """Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
    "access", "expires_at"}` or `{"kind": "local_path", "path"}`.
    """

    kind: Literal["local_path"]

    path: Path
    """A local file path."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocationLocalPath:
        """A ``LocationLocalPath`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            kind=cast(Literal["local_path"], to_choice(d["kind"], ("local_path",))),
            path=Path(to_str(d["path"])),
        )


Location = LocationSignedUrl | LocationLocalPath
"""Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
"access", "expires_at"}` or `{"kind": "local_path", "path"}`.
"""


def _read_Location(value: object) -> Location:
    d = to_object(value)
    tag = to_str(d["kind"])
    if tag == "signed_url":
        return LocationSignedUrl.from_dict(d)
    if tag == "local_path":
        return LocationLocalPath.from_dict(d)
    raise TypeError(f"unknown kind {tag!r} of Location")


@dataclass(frozen=True)
class MemoryBreakdown(Record):
    """The memory one GPU needs, term by term, in GiB."""

    activations_gb: float
    """Activations kept for the backward pass."""

    adapter_gb: float
    """Adapter weights, gradients and optimiser state."""

    logits_gb: float
    """Logits and their gradient."""

    overhead_gb: float
    """CUDA context, workspaces and fragmentation."""

    weights_gb: float
    """Frozen base weights on this GPU."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoryBreakdown:
        """A ``MemoryBreakdown`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            activations_gb=to_float(d["activations_gb"]),
            adapter_gb=to_float(d["adapter_gb"]),
            logits_gb=to_float(d["logits_gb"]),
            overhead_gb=to_float(d["overhead_gb"]),
            weights_gb=to_float(d["weights_gb"]),
        )


@dataclass(frozen=True)
class MemoryEstimate(Record):
    """Whether the job fits, by how much, and what would make it fit."""

    available_gb: float
    """GiB each GPU has."""

    breakdown: MemoryBreakdown
    """The terms of `required_gb`."""

    fits: bool
    """Whether `required_gb` fits in `available_gb`."""

    margin_gb: float
    """`available_gb - required_gb`: negative when it does not fit."""

    required_gb: float
    """GiB needed on each GPU."""

    suggestions: tuple[FitSuggestion, ...]
    """Changes that would make it fit (empty when it fits)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoryEstimate:
        """A ``MemoryEstimate`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            available_gb=to_float(d["available_gb"]),
            breakdown=MemoryBreakdown.from_dict(d["breakdown"]),
            fits=to_bool(d["fits"]),
            margin_gb=to_float(d["margin_gb"]),
            required_gb=to_float(d["required_gb"]),
            suggestions=to_tuple(d["suggestions"], lambda v1: FitSuggestion.from_dict(v1)),
        )


@dataclass(frozen=True)
class Message(MessageBehaviour, Record):
    """One message of a conversation."""

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset({"name", "reasoning_content", "tool_call_id", "tool_calls", "weight"})

    content: str
    """What is said."""

    name: str | None
    """The function whose result a `tool` message is: the answered call's, or the `name` the
    data gives the result of a call written in text. Left out of JSON when `None`.
    """

    reasoning_content: str | None
    """The reasoning an assistant message gives before its answer, as Qwen3's and DeepSeek's
    chat templates read it: trained on with the message, the way the template renders
    it. Left out of JSON when `None`.
    """

    role: Role
    """Who speaks."""

    tool_call_id: str | None
    """The call a `tool` message answers. Left out of JSON when `None`."""

    tool_calls: tuple[ToolCall, ...] | None
    """The tools an assistant message calls (its `content` may then be empty). Left out of
    JSON when `None`.
    """

    weight: int | None
    """Whether an assistant message is trained on: `Some(0)` not, `Some(1)` or `None` (the
    default) yes. Only 0 and 1 are legal, and only on assistant messages; the validator
    reports anything else. Left out of JSON when `None`.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """A ``Message`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            content=to_str(d["content"]),
            name=to_optional(d.get("name"), lambda v1: to_str(v1)),
            reasoning_content=to_optional(d.get("reasoning_content"), lambda v1: to_str(v1)),
            role=cast(Role, to_choice(d["role"], _ROLE)),
            tool_call_id=to_optional(d.get("tool_call_id"), lambda v1: to_str(v1)),
            tool_calls=to_optional(d.get("tool_calls"), lambda v1: to_tuple(v1, lambda v2: ToolCall.from_dict(v2))),
            weight=to_optional(d.get("weight"), lambda v1: to_int(v1)),
        )

MetricSeries = Literal["training_loss", "validation_loss", "learning_rate", "grad_norm", "tokens_per_second", "gpu_utilization", "gpu_memory"]
"""One metric series of the metrics points, for downsampled reads."""
_METRICSERIES = ("training_loss", "validation_loss", "learning_rate", "grad_norm", "tokens_per_second", "gpu_utilization", "gpu_memory",)


@dataclass(frozen=True)
class MetricsPoint(Record):
    """The metrics of one job at one optimiser step (unique per job and step).

    In JSON and in the database the metric values are plain columns beside `step` and
    `epoch`; in Rust they are the same [`CurrentMetrics`] a job keeps as its latest values.
    """

    epoch: float
    """Fractional epoch at this step (`1.5` is halfway through the second epoch)."""

    gpu_memory_used_gb: float | None
    """GPU memory in use, in GiB, on the fullest GPU."""

    gpu_utilization_percent: float | None
    """GPU utilisation in percent (0 to 100), averaged over the job's GPUs."""

    grad_norm: float | None
    """Gradient norm before clipping."""

    job_id: str
    """The job."""

    learning_rate: float | None
    """Learning rate of the schedule."""

    recorded_at: datetime
    """When the worker measured them."""

    step: int
    """The optimiser step."""

    tokens_per_second: float | None
    """Training throughput in tokens per second, all GPUs together."""

    training_loss: float | None
    """Training loss."""

    validation_loss: float | None
    """Validation loss, at evaluation steps."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricsPoint:
        """A ``MetricsPoint`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            epoch=to_float(d["epoch"]),
            gpu_memory_used_gb=to_optional(d["gpu_memory_used_gb"], lambda v1: to_float(v1)),
            gpu_utilization_percent=to_optional(d["gpu_utilization_percent"], lambda v1: to_float(v1)),
            grad_norm=to_optional(d["grad_norm"], lambda v1: to_float(v1)),
            job_id=to_str(d["job_id"]),
            learning_rate=to_optional(d["learning_rate"], lambda v1: to_float(v1)),
            recorded_at=to_time(d["recorded_at"]),
            step=to_int(d["step"]),
            tokens_per_second=to_optional(d["tokens_per_second"], lambda v1: to_float(v1)),
            training_loss=to_optional(d["training_loss"], lambda v1: to_float(v1)),
            validation_loss=to_optional(d["validation_loss"], lambda v1: to_float(v1)),
        )


@dataclass(frozen=True)
class ModelArchitecture(Record):
    """The shape of a decoder-only transformer, as far as training cost and memory depend on it."""

    attention_heads: int
    """Query heads."""

    context_length: int
    """Longest context the model was trained for."""

    hidden_size: int
    """Model (residual stream) width."""

    intermediate_size: int
    """MLP inner width."""

    kv_heads: int
    """Key/value heads (fewer than query heads with grouped-query attention)."""

    layers: int
    """Transformer blocks."""

    parameters: int
    """Total parameters, embeddings included."""

    tied_embeddings: bool
    """Whether the output head shares the embedding matrix."""

    vocab_size: int
    """Vocabulary size."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelArchitecture:
        """A ``ModelArchitecture`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            attention_heads=to_int(d["attention_heads"]),
            context_length=to_int(d["context_length"]),
            hidden_size=to_int(d["hidden_size"]),
            intermediate_size=to_int(d["intermediate_size"]),
            kv_heads=to_int(d["kv_heads"]),
            layers=to_int(d["layers"]),
            parameters=to_int(d["parameters"]),
            tied_embeddings=to_bool(d["tied_embeddings"]),
            vocab_size=to_int(d["vocab_size"]),
        )


@dataclass(frozen=True)
class ModelArtifact(Record):
    """A trained LoRA adapter (PEFT files) with its provenance and quality."""

    base_model: str
    """The base model the adapter applies to (Hugging Face id)."""

    configuration: ArtifactConfiguration
    """Preset, hyperparameters and GPUs."""

    created_at: datetime
    """When the row was created."""

    dataset_id: str
    """The dataset it was trained on."""

    deleted_at: datetime | None
    """When the user deleted the artifact (soft delete)."""

    description: str | None
    """Free-text description."""

    files: tuple[ArtifactFile, ...]
    """The files under the prefix."""

    id: str
    """The artifact's id."""

    job_id: str
    """The job that trained it."""

    name: str
    """Display name."""

    parent_model_id: str | None
    """The adapter this one continued training from."""

    quality_metrics: QualityMetrics
    """Loss, perplexity and convergence."""

    status: ArtifactStatus
    """Where the artifact is in its life."""

    storage_path: str
    """Object-storage prefix of the files: `models/{user}/{model}/`."""

    training_summary: TrainingSummary
    """Duration, GPU-hours, steps, tokens and cost."""

    updated_at: datetime
    """When the row last changed."""

    user_id: str
    """The owner."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelArtifact:
        """A ``ModelArtifact`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            base_model=to_str(d["base_model"]),
            configuration=ArtifactConfiguration.from_dict(d["configuration"]),
            created_at=to_time(d["created_at"]),
            dataset_id=to_str(d["dataset_id"]),
            deleted_at=to_optional(d["deleted_at"], lambda v1: to_time(v1)),
            description=to_optional(d["description"], lambda v1: to_str(v1)),
            files=to_tuple(d["files"], lambda v1: ArtifactFile.from_dict(v1)),
            id=to_str(d["id"]),
            job_id=to_str(d["job_id"]),
            name=to_str(d["name"]),
            parent_model_id=to_optional(d["parent_model_id"], lambda v1: to_str(v1)),
            quality_metrics=QualityMetrics.from_dict(d["quality_metrics"]),
            status=cast(ArtifactStatus, to_choice(d["status"], _ARTIFACTSTATUS)),
            storage_path=to_str(d["storage_path"]),
            training_summary=TrainingSummary.from_dict(d["training_summary"]),
            updated_at=to_time(d["updated_at"]),
            user_id=to_str(d["user_id"]),
        )


@dataclass(frozen=True)
class ModelDownload(Record):
    """Where to download one file of a model."""

    bytes: int
    """Its size."""

    location: Location
    """A signed URL with an expiry, or the local path on a local directory store."""

    name: str
    """The file name (`adapter_model.safetensors`, ...)."""

    sha256: str
    """Its sha256, to check the download."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelDownload:
        """A ``ModelDownload`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            bytes=to_int(d["bytes"]),
            location=_read_Location(d["location"]),
            name=to_str(d["name"]),
            sha256=to_str(d["sha256"]),
        )


@dataclass(frozen=True)
class Notification(Record):
    """A message to one user."""

    action_url: str | None
    """Where the host app should link to (`/jobs/{id}`)."""

    created_at: datetime
    """When the row was created."""

    id: str
    """The notification's id."""

    message: str
    """The message body."""

    metadata: Any
    """Structured details (job id, dataset id, amounts, ...)."""

    notification_type: NotificationType
    """What it is about."""

    priority: NotificationPriority
    """How urgent it is."""

    read: bool
    """Whether the user has read it."""

    read_at: datetime | None
    """When the user first read it."""

    title: str
    """One-line title."""

    user_id: str
    """The recipient."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notification:
        """A ``Notification`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            action_url=to_optional(d["action_url"], lambda v1: to_str(v1)),
            created_at=to_time(d["created_at"]),
            id=to_str(d["id"]),
            message=to_str(d["message"]),
            metadata=to_any(d["metadata"]),
            notification_type=cast(NotificationType, to_choice(d["notification_type"], _NOTIFICATIONTYPE)),
            priority=cast(NotificationPriority, to_choice(d["priority"], _NOTIFICATIONPRIORITY)),
            read=to_bool(d["read"]),
            read_at=to_optional(d["read_at"], lambda v1: to_time(v1)),
            title=to_str(d["title"]),
            user_id=to_str(d["user_id"]),
        )

NotificationPriority = Literal["low", "normal", "high", "urgent"]
"""How urgently a notification should reach the user."""
_NOTIFICATIONPRIORITY = ("low", "normal", "high", "urgent",)

NotificationType = Literal["job_queued", "job_started", "job_complete", "job_failed", "job_cancelled", "dataset_ready", "dataset_error", "cost_alert", "system"]
"""What a notification is about."""
_NOTIFICATIONTYPE = ("job_queued", "job_started", "job_complete", "job_failed", "job_cancelled", "dataset_ready", "dataset_error", "cost_alert", "system",)


@dataclass(frozen=True)
class OpenOptions(Record):
    """Where the service keeps things: the JSON object a binding's `open` sends (snake_case).
    Every field is optional; the environment ([`BrightRunConfig::from_env`]) fills the rest.

    ```
    use brightrun_core::service::operations::OpenOptions;

    let options: OpenOptions = serde_json::from_str(r#"{"home": "/tmp/brightrun-doc"}"#).unwrap();
    let config = options.config().unwrap();
    assert!(config.database_url.starts_with("sqlite://"));
    ```
    """

    database_url: str | None
    """`sqlite://...` or `postgres://...` instead of the home's SQLite file."""

    home: str | None
    """Another home than `$BRIGHTRUN_HOME`."""

    storage_url: str | None
    """A directory or `s3://...` instead of the home's storage directory."""

    worker_command: tuple[str, ...] | None
    """The worker command of the local backend, when `$BRIGHTRUN_WORKER` does not set it."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OpenOptions:
        """A ``OpenOptions`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            database_url=to_optional(d["database_url"], lambda v1: to_str(v1)),
            home=to_optional(d["home"], lambda v1: to_str(v1)),
            storage_url=to_optional(d["storage_url"], lambda v1: to_str(v1)),
            worker_command=to_optional(d["worker_command"], lambda v1: to_tuple(v1, lambda v2: to_str(v2))),
        )


@dataclass(frozen=True)
class PageDataset(Record):
    """One page of a listing and the number of rows that match the filter in all pages."""

    items: tuple[Dataset, ...]
    """The rows of this page."""

    total: int
    """Rows matching the filter, all pages together."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageDataset:
        """A ``PageDataset`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            items=to_tuple(d["items"], lambda v1: Dataset.from_dict(v1)),
            total=to_int(d["total"]),
        )


@dataclass(frozen=True)
class PageModelArtifact(Record):
    """One page of a listing and the number of rows that match the filter in all pages."""

    items: tuple[ModelArtifact, ...]
    """The rows of this page."""

    total: int
    """Rows matching the filter, all pages together."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageModelArtifact:
        """A ``PageModelArtifact`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            items=to_tuple(d["items"], lambda v1: ModelArtifact.from_dict(v1)),
            total=to_int(d["total"]),
        )


@dataclass(frozen=True)
class PageNotification(Record):
    """One page of a listing and the number of rows that match the filter in all pages."""

    items: tuple[Notification, ...]
    """The rows of this page."""

    total: int
    """Rows matching the filter, all pages together."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageNotification:
        """A ``PageNotification`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            items=to_tuple(d["items"], lambda v1: Notification.from_dict(v1)),
            total=to_int(d["total"]),
        )


@dataclass(frozen=True)
class PageTrainingJob(Record):
    """One page of a listing and the number of rows that match the filter in all pages."""

    items: tuple[TrainingJob, ...]
    """The rows of this page."""

    total: int
    """Rows matching the filter, all pages together."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageTrainingJob:
        """A ``PageTrainingJob`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            items=to_tuple(d["items"], lambda v1: TrainingJob.from_dict(v1)),
            total=to_int(d["total"]),
        )

Preset = Literal["conservative", "balanced", "aggressive", "custom"]
"""A preset: three tuned starting points, or `custom` for hand-set values."""
_PRESET = ("conservative", "balanced", "aggressive", "custom",)


@dataclass(frozen=True)
class PresetSummary(Record):
    """A preset as the catalogs list it: `brightrun presets --json` and the bindings' `presets()`."""

    description: str
    """When to choose it."""

    hyperparameters: Hyperparameters
    """Its values (with an empty base model: the preset is the same for every model)."""

    name: Preset
    """The preset's name."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PresetSummary:
        """A ``PresetSummary`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            description=to_str(d["description"]),
            hyperparameters=Hyperparameters.from_dict(d["hyperparameters"]),
            name=cast(Preset, to_choice(d["name"], _PRESET)),
        )


@dataclass(frozen=True)
class QualityMetrics(Record):
    """The quality figures of a trained adapter."""

    best_epoch: int | None
    """The epoch (1-based) with the lowest validation loss."""

    best_validation_loss: float | None
    """Lowest validation loss of the run."""

    convergence_quality: ConvergenceQuality | None
    """How well the loss converged."""

    final_training_loss: float | None
    """Training loss at the last step."""

    final_validation_loss: float | None
    """Validation loss at the last evaluation."""

    perplexity: float | None
    """Perplexity on the validation split (`exp` of its loss)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityMetrics:
        """A ``QualityMetrics`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            best_epoch=to_optional(d["best_epoch"], lambda v1: to_int(v1)),
            best_validation_loss=to_optional(d["best_validation_loss"], lambda v1: to_float(v1)),
            convergence_quality=to_optional(d["convergence_quality"], lambda v1: cast(ConvergenceQuality, to_choice(v1, _CONVERGENCEQUALITY))),
            final_training_loss=to_optional(d["final_training_loss"], lambda v1: to_float(v1)),
            final_validation_loss=to_optional(d["final_validation_loss"], lambda v1: to_float(v1)),
            perplexity=to_optional(d["perplexity"], lambda v1: to_float(v1)),
        )

Quantization = Literal["none", "8bit", "4bit"]
"""How the frozen base weights are stored on the GPU during training."""
_QUANTIZATION = ("none", "8bit", "4bit",)

Role = Literal["system", "user", "assistant", "tool", "text"]
"""Who speaks a message."""
_ROLE = ("system", "user", "assistant", "tool", "text",)


@dataclass(frozen=True)
class RoleCounts(Record):
    """Messages by role, over all conversations."""

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset({"tool"})

    assistant: int
    """Assistant messages."""

    system: int
    """System messages."""

    text: int
    """Plain-text documents (`text` records)."""

    tool: int | None
    """Tool results (chat with tools); left out of JSON when 0."""

    user: int
    """User messages."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoleCounts:
        """A ``RoleCounts`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            assistant=to_int(d["assistant"]),
            system=to_int(d["system"]),
            text=to_int(d["text"]),
            tool=to_optional(d.get("tool"), lambda v0: to_int(v0)),
            user=to_int(d["user"]),
        )


@dataclass(frozen=True)
class SetBudgetArgs(Record):
    """`costs.set_budget`: the budget, amounts as decimal strings; an absent amount is unlimited."""

    alert_threshold_percent: int | None
    """The share of the budget at which the user is alerted, in percent (default 80)."""

    monthly: str | None
    """The monthly budget in USD."""

    per_job_cap: str | None
    """The most one job may cost, in USD."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SetBudgetArgs:
        """A ``SetBudgetArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            alert_threshold_percent=to_optional(d["alert_threshold_percent"], lambda v1: to_int(v1)),
            monthly=to_optional(d["monthly"], lambda v1: to_str(v1)),
            per_job_cap=to_optional(d["per_job_cap"], lambda v1: to_str(v1)),
        )

Severity = Literal["error", "warning", "info"]
"""How serious a validation finding is."""
_SEVERITY = ("error", "warning", "info",)


@dataclass(frozen=True)
class Source(Record):
    """Where a conversation came from in its file: what every finding points at."""

    id: str | None
    """The record's own id, when the format has one (`id`, `conversation_id`)."""

    line: int
    """1-based line of the record (JSONL), or of its start (a JSON document)."""

    path: str | None
    """JSON path of the record inside a JSON document (`conversations[3].training_pairs[2]`);
    `None` for a JSONL line.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Source:
        """A ``Source`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            id=to_optional(d["id"], lambda v1: to_str(v1)),
            line=to_int(d["line"]),
            path=to_optional(d["path"], lambda v1: to_str(v1)),
        )

Split = Literal["train", "validation"]
"""Which split a conversation belongs to."""
_SPLIT = ("train", "validation",)


@dataclass(frozen=True)
class Spread(Record):
    """Minimum, mean and maximum of a per-conversation quantity."""

    max: int
    """The largest."""

    mean: float
    """The mean."""

    min: int
    """The smallest."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spread:
        """A ``Spread`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            max=to_int(d["max"]),
            mean=to_float(d["mean"]),
            min=to_int(d["min"]),
        )


@dataclass(frozen=True)
class SpreadDecimal(Record):
    """One figure in three scenarios.

    For an assumption, each field is the value used in that scenario of the *result*: a
    `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
    assumes 50% utilisation.
    """

    expected: Decimal
    """The most likely case."""

    high: Decimal
    """The pessimistic case: longest, most expensive."""

    low: Decimal
    """The optimistic case: shortest, cheapest, smallest."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpreadDecimal:
        """A ``SpreadDecimal`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            expected=to_decimal(d["expected"]),
            high=to_decimal(d["high"]),
            low=to_decimal(d["low"]),
        )


@dataclass(frozen=True)
class SpreadFloat(Record):
    """One figure in three scenarios.

    For an assumption, each field is the value used in that scenario of the *result*: a
    `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
    assumes 50% utilisation.
    """

    expected: float
    """The most likely case."""

    high: float
    """The pessimistic case: longest, most expensive."""

    low: float
    """The optimistic case: shortest, cheapest, smallest."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpreadFloat:
        """A ``SpreadFloat`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            expected=to_float(d["expected"]),
            high=to_float(d["high"]),
            low=to_float(d["low"]),
        )


@dataclass(frozen=True)
class SpreadMoney(Record):
    """One figure in three scenarios.

    For an assumption, each field is the value used in that scenario of the *result*: a
    `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
    assumes 50% utilisation.
    """

    expected: Decimal
    """The most likely case."""

    high: Decimal
    """The pessimistic case: longest, most expensive."""

    low: Decimal
    """The optimistic case: shortest, cheapest, smallest."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpreadMoney:
        """A ``SpreadMoney`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            expected=to_decimal(d["expected"]),
            high=to_decimal(d["high"]),
            low=to_decimal(d["low"]),
        )

ThroughputSource = Literal["flops_model", "measured"]
"""Where the throughput figure came from."""
_THROUGHPUTSOURCE = ("flops_model", "measured",)


@dataclass(frozen=True)
class TokenCounts(Record):
    """The tokens a job trains on."""

    per_epoch: int
    """Tokens in one epoch."""

    total: int
    """Tokens over all epochs."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenCounts:
        """A ``TokenCounts`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            per_epoch=to_int(d["per_epoch"]),
            total=to_int(d["total"]),
        )


@dataclass(frozen=True)
class TokenSpread(Record):
    """The distribution of tokens per conversation. Quantiles are exact, by nearest rank."""

    max: int
    """The longest conversation."""

    mean: float
    """The mean."""

    median: int
    """The median (the lower one for an even count)."""

    min: int
    """The shortest conversation."""

    p95: int
    """The 95th percentile."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenSpread:
        """A ``TokenSpread`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            max=to_int(d["max"]),
            mean=to_float(d["mean"]),
            median=to_int(d["median"]),
            min=to_int(d["min"]),
            p95=to_int(d["p95"]),
        )


@dataclass(frozen=True)
class Tool(Record):
    """A tool the model may call: `{"type": "function", "function": {...}}`."""

    function: FunctionDefinition
    """The function."""

    type: ToolKind
    """Always `function`."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tool:
        """A ``Tool`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            function=FunctionDefinition.from_dict(d["function"]),
            type=cast(ToolKind, to_choice(d["type"], _TOOLKIND)),
        )


@dataclass(frozen=True)
class ToolCall(Record):
    """One call an assistant message makes: `{"id", "type": "function", "function": {"name",
    "arguments"}}`, the arguments as a JSON object.
    """

    function: FunctionCall
    """The function called."""

    id: str
    """The id a `tool` message answers with its `tool_call_id`."""

    type: ToolKind
    """Always `function`."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolCall:
        """A ``ToolCall`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            function=FunctionCall.from_dict(d["function"]),
            id=to_str(d["id"]),
            type=cast(ToolKind, to_choice(d["type"], _TOOLKIND)),
        )

ToolKind = Literal["function"]
"""The kind of a tool: only functions exist."""
_TOOLKIND = ("function",)


@dataclass(frozen=True)
class TrainingJob(Record):
    """A training job: one LoRA fine-tuning run of one dataset on one GPU selection."""

    artifact_id: str | None
    """The adapter produced, once collected."""

    backend_handle: Any
    """The backend's serialised handle of the current attempt, so polling survives a restart."""

    cancel_requested_at: datetime | None
    """When its owner asked to cancel the job while it was being launched or ran: the
    orchestrator stops its worker and the job ends `cancelled` once the worker is gone.
    """

    completed_at: datetime | None
    """When the job reached a final status."""

    created_at: datetime
    """When the row was created."""

    current_cost: Decimal
    """The cost so far, every attempt included."""

    current_epoch: int
    """The epoch in progress (1-based; 0 before training starts)."""

    current_metrics: CurrentMetrics | None
    """The latest metrics reported."""

    current_step: int
    """Optimiser steps taken in the current attempt."""

    dataset_id: str
    """The dataset trained on."""

    error_message: str | None
    """Message of the most recent error."""

    error_type: str | None
    """Stable code of the most recent error (`out_of_memory`), transient or final."""

    estimated_completion_at: datetime | None
    """When the job is expected to complete."""

    estimated_total_cost: Decimal | None
    """The cost estimated before submission."""

    external_job_id: str | None
    """The backend's own id of the current attempt."""

    final_cost: Decimal | None
    """The cost of the whole job, set when it reaches a final status."""

    gpu: GpuSelection
    """The GPUs and their price."""

    hyperparameters: Hyperparameters
    """The hyperparameters of the run."""

    id: str
    """The job's id."""

    preset: Preset
    """The preset the hyperparameters started from."""

    progress_percent: float
    """Progress of the current attempt, 0 to 100."""

    queued_at: datetime
    """When the job was queued."""

    retry_count: int
    """Retries after transient failures so far."""

    stage: JobStage | None
    """What a running job is doing; `None` in every other status."""

    started_at: datetime | None
    """When the current attempt started running."""

    status: JobStatus
    """The status, changed only through [`TrainingJob::transition`]."""

    total_epochs: int
    """Epochs the run will take."""

    total_steps: int
    """Optimiser steps the run will take."""

    updated_at: datetime
    """When the row last changed."""

    user_id: str
    """The owner."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingJob:
        """A ``TrainingJob`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            artifact_id=to_optional(d["artifact_id"], lambda v1: to_str(v1)),
            backend_handle=to_any(d["backend_handle"]),
            cancel_requested_at=to_optional(d["cancel_requested_at"], lambda v1: to_time(v1)),
            completed_at=to_optional(d["completed_at"], lambda v1: to_time(v1)),
            created_at=to_time(d["created_at"]),
            current_cost=to_decimal(d["current_cost"]),
            current_epoch=to_int(d["current_epoch"]),
            current_metrics=to_optional(d["current_metrics"], lambda v1: CurrentMetrics.from_dict(v1)),
            current_step=to_int(d["current_step"]),
            dataset_id=to_str(d["dataset_id"]),
            error_message=to_optional(d["error_message"], lambda v1: to_str(v1)),
            error_type=to_optional(d["error_type"], lambda v1: to_str(v1)),
            estimated_completion_at=to_optional(d["estimated_completion_at"], lambda v1: to_time(v1)),
            estimated_total_cost=to_optional(d["estimated_total_cost"], lambda v1: to_decimal(v1)),
            external_job_id=to_optional(d["external_job_id"], lambda v1: to_str(v1)),
            final_cost=to_optional(d["final_cost"], lambda v1: to_decimal(v1)),
            gpu=GpuSelection.from_dict(d["gpu"]),
            hyperparameters=Hyperparameters.from_dict(d["hyperparameters"]),
            id=to_str(d["id"]),
            preset=cast(Preset, to_choice(d["preset"], _PRESET)),
            progress_percent=to_float(d["progress_percent"]),
            queued_at=to_time(d["queued_at"]),
            retry_count=to_int(d["retry_count"]),
            stage=to_optional(d["stage"], lambda v1: cast(JobStage, to_choice(v1, _JOBSTAGE))),
            started_at=to_optional(d["started_at"], lambda v1: to_time(v1)),
            status=cast(JobStatus, to_choice(d["status"], _JOBSTATUS)),
            total_epochs=to_int(d["total_epochs"]),
            total_steps=to_int(d["total_steps"]),
            updated_at=to_time(d["updated_at"]),
            user_id=to_str(d["user_id"]),
        )


@dataclass(frozen=True)
class TrainingSummary(Record):
    """What the training run took."""

    average_tokens_per_second: float
    """Mean training throughput."""

    duration_seconds: float
    """Wall-clock seconds from start to completion."""

    epochs_completed: int
    """Whole epochs completed."""

    final_cost: Decimal
    """The cost of the job."""

    gpu_hours: Decimal
    """GPU-hours billed: duration times GPU count, exact."""

    tokens_processed: int
    """Tokens trained on, all epochs together."""

    total_steps: int
    """Optimiser steps taken."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingSummary:
        """A ``TrainingSummary`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            average_tokens_per_second=to_float(d["average_tokens_per_second"]),
            duration_seconds=to_float(d["duration_seconds"]),
            epochs_completed=to_int(d["epochs_completed"]),
            final_cost=to_decimal(d["final_cost"]),
            gpu_hours=to_decimal(d["gpu_hours"]),
            tokens_processed=to_int(d["tokens_processed"]),
            total_steps=to_int(d["total_steps"]),
        )


@dataclass(frozen=True)
class UpdateDatasetArgs(Record):
    """`datasets.update`: a name or description change; a `description` of `null` clears it."""

    description: str | None
    """A new description (`null` clears it)."""

    id: str
    """The dataset."""

    name: str | None
    """A new name."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UpdateDatasetArgs:
        """A ``UpdateDatasetArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            description=to_optional(d["description"], lambda v1: to_str(v1)),
            id=to_str(d["id"]),
            name=to_optional(d["name"], lambda v1: to_str(v1)),
        )


@dataclass(frozen=True)
class UpdateModelArgs(Record):
    """`models.update`: a name, description or status change."""

    description: str | None
    """A new description (`null` clears it)."""

    id: str
    """The model."""

    name: str | None
    """A new name."""

    status: ArtifactStatus | None
    """A new status (`archived`, ...)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UpdateModelArgs:
        """A ``UpdateModelArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            description=to_optional(d["description"], lambda v1: to_str(v1)),
            id=to_str(d["id"]),
            name=to_optional(d["name"], lambda v1: to_str(v1)),
            status=to_optional(d["status"], lambda v1: cast(ArtifactStatus, to_choice(v1, _ARTIFACTSTATUS))),
        )


@dataclass(frozen=True)
class UploadDatasetArgs(Record):
    """`datasets.upload`: the local file to stream into a dataset awaiting its file."""

    id: str
    """The dataset (status `uploading`)."""

    path: str
    """The local file."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UploadDatasetArgs:
        """A ``UploadDatasetArgs`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            id=to_str(d["id"]),
            path=to_str(d["path"]),
        )


@dataclass(frozen=True)
class ValidationFinding(Record):
    """One problem or remark found while validating a dataset file."""

    code: str
    """Stable snake_case code of the rule (`missing_target_response`)."""

    line: int | None
    """The file's real 1-based line number (blank lines counted), when the finding has one."""

    message: str
    """What is wrong, for a person."""

    path: str | None
    """The JSON path inside the record or document (`conversations[3].training_pairs[2]`)."""

    severity: Severity
    """How serious the finding is."""

    suggestion: str | None
    """How to fix it, when there is an obvious fix."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationFinding:
        """A ``ValidationFinding`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            code=to_str(d["code"]),
            line=to_optional(d["line"], lambda v1: to_int(v1)),
            message=to_str(d["message"]),
            path=to_optional(d["path"], lambda v1: to_str(v1)),
            severity=cast(Severity, to_choice(d["severity"], _SEVERITY)),
            suggestion=to_optional(d["suggestion"], lambda v1: to_str(v1)),
        )


@dataclass(frozen=True)
class ValidationReport(Record):
    """The outcome of validating a dataset file."""

    counts: dict[str, int]
    """Every finding counted by code."""

    errors: int
    """Findings of severity error, all counted."""

    findings: tuple[ValidationFinding, ...]
    """The first findings of each code, in file order."""

    findings_truncated: bool
    """Whether some counted findings are left out of `findings`."""

    format: DatasetFormat | None
    """The file's format; `None` for a file without records."""

    infos: int
    """Findings of severity info, all counted."""

    layout: Layout
    """How the records are laid out (JSON Lines expected)."""

    sample_data: tuple[Conversation, ...]
    """The first canonical conversations, for a preview."""

    stats: DatasetStats
    """The statistics, produced even for an invalid file."""

    valid: bool
    """Whether the file can be trained on: no finding of severity error."""

    warnings: int
    """Findings of severity warning, all counted."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationReport:
        """A ``ValidationReport`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            counts=to_map(d["counts"], lambda v1: to_int(v1)),
            errors=to_int(d["errors"]),
            findings=to_tuple(d["findings"], lambda v1: ValidationFinding.from_dict(v1)),
            findings_truncated=to_bool(d["findings_truncated"]),
            format=to_optional(d["format"], lambda v1: cast(DatasetFormat, to_choice(v1, _DATASETFORMAT))),
            infos=to_int(d["infos"]),
            layout=cast(Layout, to_choice(d["layout"], _LAYOUT)),
            sample_data=to_tuple(d["sample_data"], lambda v1: Conversation.from_dict(v1)),
            stats=DatasetStats.from_dict(d["stats"]),
            valid=to_bool(d["valid"]),
            warnings=to_int(d["warnings"]),
        )

ValueKind = Literal["float", "integer", "names", "choice", "switch"]
"""The kind of value a hyperparameter holds."""
_VALUEKIND = ("float", "integer", "names", "choice", "switch",)


@dataclass(frozen=True)
class WorkerEventStarted(Record):
    """Training has started."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    device: str | None
    """The device (`cuda`, `cpu`)."""

    epochs: int
    """Epochs of the run."""

    event: Literal["started"]

    total_steps: int
    """Optimiser steps of the whole run."""

    train_examples: int | None
    """Training examples after tokenization."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventStarted:
        """A ``WorkerEventStarted`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            device=to_optional(d["device"], lambda v1: to_str(v1)),
            epochs=to_int(d["epochs"]),
            event=cast(Literal["started"], to_choice(d["event"], ("started",))),
            total_steps=to_int(d["total_steps"]),
            train_examples=to_optional(d["train_examples"], lambda v1: to_int(v1)),
        )


@dataclass(frozen=True)
class WorkerEventPhase(Record):
    """A new phase of the run."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    event: Literal["phase"]

    phase: str
    """`loading`, `training`, `evaluating`, `saving`."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventPhase:
        """A ``WorkerEventPhase`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            event=cast(Literal["phase"], to_choice(d["event"], ("phase",))),
            phase=to_str(d["phase"]),
        )


@dataclass(frozen=True)
class WorkerEventMetric(Record):
    """Training metrics at an optimiser step."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    epoch: float | None
    """Fractional epoch."""

    event: Literal["metric"]

    gpu_memory_used_gb: float | None
    """GPU memory in use, GB."""

    gpu_utilization_percent: float | None
    """GPU utilisation, percent."""

    grad_norm: float | None
    """Gradient norm before clipping."""

    learning_rate: float | None
    """Learning rate."""

    loss: float | None
    """Training loss."""

    step: int
    """The step."""

    tokens_per_second: float | None
    """Tokens per second."""

    total_steps: int | None
    """Steps of the whole run."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventMetric:
        """A ``WorkerEventMetric`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            epoch=to_optional(d["epoch"], lambda v1: to_float(v1)),
            event=cast(Literal["metric"], to_choice(d["event"], ("metric",))),
            gpu_memory_used_gb=to_optional(d["gpu_memory_used_gb"], lambda v1: to_float(v1)),
            gpu_utilization_percent=to_optional(d["gpu_utilization_percent"], lambda v1: to_float(v1)),
            grad_norm=to_optional(d["grad_norm"], lambda v1: to_float(v1)),
            learning_rate=to_optional(d["learning_rate"], lambda v1: to_float(v1)),
            loss=to_optional(d["loss"], lambda v1: to_float(v1)),
            step=to_int(d["step"]),
            tokens_per_second=to_optional(d["tokens_per_second"], lambda v1: to_float(v1)),
            total_steps=to_optional(d["total_steps"], lambda v1: to_int(v1)),
        )


@dataclass(frozen=True)
class WorkerEventEval(Record):
    """Validation loss."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    epoch: float | None
    """The epoch just finished."""

    eval_loss: float | None
    """Mean loss per trainable token."""

    event: Literal["eval"]

    step: int
    """The step."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventEval:
        """A ``WorkerEventEval`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            epoch=to_optional(d["epoch"], lambda v1: to_float(v1)),
            eval_loss=to_optional(d["eval_loss"], lambda v1: to_float(v1)),
            event=cast(Literal["eval"], to_choice(d["event"], ("eval",))),
            step=to_int(d["step"]),
        )


@dataclass(frozen=True)
class WorkerEventArtifact(Record):
    """A file of the adapter, written."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    bytes: int
    """Size."""

    event: Literal["artifact"]

    name: str
    """File name."""

    path: str | None
    """Where the worker wrote it."""

    sha256: str
    """Hex sha256."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventArtifact:
        """A ``WorkerEventArtifact`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            bytes=to_int(d["bytes"]),
            event=cast(Literal["artifact"], to_choice(d["event"], ("artifact",))),
            name=to_str(d["name"]),
            path=to_optional(d["path"], lambda v1: to_str(v1)),
            sha256=to_str(d["sha256"]),
        )


@dataclass(frozen=True)
class WorkerEventCompleted(Record):
    """The run finished successfully."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    duration_seconds: float | None
    """Seconds of the run."""

    event: Literal["completed"]

    steps: int | None
    """Optimiser steps done."""

    tokens: int | None
    """Tokens processed."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventCompleted:
        """A ``WorkerEventCompleted`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            duration_seconds=to_optional(d["duration_seconds"], lambda v1: to_float(v1)),
            event=cast(Literal["completed"], to_choice(d["event"], ("completed",))),
            steps=to_optional(d["steps"], lambda v1: to_int(v1)),
            tokens=to_optional(d["tokens"], lambda v1: to_int(v1)),
        )


@dataclass(frozen=True)
class WorkerEventFailed(Record):
    """The run failed."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    error_type: str
    """`bad_spec`, `dataset_error`, `out_of_memory`, `internal`, ..."""

    event: Literal["failed"]

    message: str
    """What happened."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventFailed:
        """A ``WorkerEventFailed`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            error_type=to_str(d["error_type"]),
            event=cast(Literal["failed"], to_choice(d["event"], ("failed",))),
            message=to_str(d["message"]),
        )


@dataclass(frozen=True)
class WorkerEventCancelled(Record):
    """The run stopped on request."""

    seq: int
    """Sequence number, from 1: a re-read event has a `seq` already seen."""

    ts: datetime
    """When the worker wrote it."""

    v: int
    """Protocol version."""

    event: Literal["cancelled"]

    partial_adapter: bool
    """Whether a partial adapter was saved."""

    step: int | None
    """The last step done."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerEventCancelled:
        """A ``WorkerEventCancelled`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            seq=to_int(d["seq"]),
            ts=to_time(d["ts"]),
            v=to_int(d["v"]),
            event=cast(Literal["cancelled"], to_choice(d["event"], ("cancelled",))),
            partial_adapter=to_bool(d["partial_adapter"]),
            step=to_optional(d["step"], lambda v1: to_int(v1)),
        )


WorkerEvent = WorkerEventStarted | WorkerEventPhase | WorkerEventMetric | WorkerEventEval | WorkerEventArtifact | WorkerEventCompleted | WorkerEventFailed | WorkerEventCancelled
"""One event of a worker."""


def _read_WorkerEvent(value: object) -> WorkerEvent:
    d = to_object(value)
    tag = to_str(d["event"])
    if tag == "started":
        return WorkerEventStarted.from_dict(d)
    if tag == "phase":
        return WorkerEventPhase.from_dict(d)
    if tag == "metric":
        return WorkerEventMetric.from_dict(d)
    if tag == "eval":
        return WorkerEventEval.from_dict(d)
    if tag == "artifact":
        return WorkerEventArtifact.from_dict(d)
    if tag == "completed":
        return WorkerEventCompleted.from_dict(d)
    if tag == "failed":
        return WorkerEventFailed.from_dict(d)
    if tag == "cancelled":
        return WorkerEventCancelled.from_dict(d)
    raise TypeError(f"unknown event {tag!r} of WorkerEvent")


@dataclass(frozen=True)
class WorkerLineEvent(Record):
    """``WorkerLine`` of the core: its ``event``."""

    event: WorkerEvent

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerLineEvent:
        """A ``WorkerLineEvent`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            event=_read_WorkerEvent(d["event"]),
        )


@dataclass(frozen=True)
class WorkerLineLog(Record):
    """``WorkerLine`` of the core: its ``log``."""

    log: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerLineLog:
        """A ``WorkerLineLog`` from the core's JSON object."""
        d = to_object(data)
        return cls(
            log=to_str(d["log"]),
        )


WorkerLine = WorkerLineEvent | WorkerLineLog
"""A line of worker output: an event, or anything else (a log line, or a malformed event,
which is logged rather than trusted). As JSON: `{"event": {...}}` or `{"log": "..."}`.
"""


def _read_WorkerLine(value: object) -> WorkerLine:
    d = to_object(value)
    if "event" in d:
        return WorkerLineEvent.from_dict(d)
    if "log" in d:
        return WorkerLineLog.from_dict(d)
    raise TypeError(f"unknown variant {sorted(d)} of WorkerLine")


__all__ = [
    "Access",
    "Advice",
    "AllowedRange",
    "ArtifactConfiguration",
    "ArtifactFile",
    "ArtifactStatus",
    "BaseModel",
    "BillingPeriod",
    "BudgetSettings",
    "ConvergenceQuality",
    "Conversation",
    "ConvertSummary",
    "CostEstimate",
    "CostHistoryArgs",
    "CostRecord",
    "CostSummary",
    "CostTotals",
    "CostType",
    "CreateDatasetArgs",
    "CurrentMetrics",
    "Dataset",
    "DatasetFormat",
    "DatasetStats",
    "DatasetStatus",
    "DatasetSummary",
    "DatasetUpload",
    "DownloadUrlsArgs",
    "DurationEstimate",
    "Estimate",
    "EventBatch",
    "EventCursor",
    "FitSuggestion",
    "FlatConvertOptions",
    "FlatEstimateOptions",
    "FlatValidateOptions",
    "FlopsPerToken",
    "FunctionCall",
    "FunctionDefinition",
    "GpuSelection",
    "GpuSpec",
    "HyperparameterSpec",
    "Hyperparameters",
    "JobArgs",
    "JobDetails",
    "JobEventsArgs",
    "JobMetricsArgs",
    "JobStage",
    "JobStatus",
    "JsonObject",
    "Layout",
    "ListDatasetsArgs",
    "ListJobsArgs",
    "ListModelsArgs",
    "ListNotificationsArgs",
    "Location",
    "LocationLocalPath",
    "LocationSignedUrl",
    "MemoryBreakdown",
    "MemoryEstimate",
    "Message",
    "MetricSeries",
    "MetricsPoint",
    "ModelArchitecture",
    "ModelArtifact",
    "ModelDownload",
    "Notification",
    "NotificationPriority",
    "NotificationType",
    "OpenOptions",
    "PageDataset",
    "PageModelArtifact",
    "PageNotification",
    "PageTrainingJob",
    "Preset",
    "PresetSummary",
    "QualityMetrics",
    "Quantization",
    "Role",
    "RoleCounts",
    "SetBudgetArgs",
    "Severity",
    "Source",
    "Split",
    "Spread",
    "SpreadDecimal",
    "SpreadFloat",
    "SpreadMoney",
    "ThroughputSource",
    "TokenCounts",
    "TokenSpread",
    "Tool",
    "ToolCall",
    "ToolKind",
    "TrainingJob",
    "TrainingSummary",
    "UpdateDatasetArgs",
    "UpdateModelArgs",
    "UploadDatasetArgs",
    "ValidationFinding",
    "ValidationReport",
    "ValueKind",
    "WorkerEvent",
    "WorkerEventArtifact",
    "WorkerEventCancelled",
    "WorkerEventCompleted",
    "WorkerEventEval",
    "WorkerEventFailed",
    "WorkerEventMetric",
    "WorkerEventPhase",
    "WorkerEventStarted",
    "WorkerLine",
    "WorkerLineEvent",
    "WorkerLineLog",
]
