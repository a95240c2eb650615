"""Typed dataset results: the validation report and the conversion summary.

Frozen dataclasses mirroring the core's JSON field for field, like the estimate's (see
``_results``): ``validate(...).to_dict()`` is what ``brightrun validate --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ._results import _Json, _Record

__all__ = [
    "Conversation",
    "ConversationSource",
    "ConvertSummary",
    "DatasetFormat",
    "DatasetStats",
    "Finding",
    "Layout",
    "Message",
    "MessageSpread",
    "RoleCounts",
    "Severity",
    "TokenSpread",
    "ValidationReport",
]

DatasetFormat = Literal["brightrun_lora_v4", "brightrun_lora_v3", "chat"]
"""The dataset formats (a file has one)."""
Layout = Literal["jsonl", "json_document", "json_array"]
"""How a file's records are laid out."""
Severity = Literal["error", "warning", "info"]
"""How serious a finding is: an error makes the file invalid."""
Split = Literal["train", "validation"]
"""The split a conversation belongs to."""
Role = Literal["system", "user", "assistant"]
"""Who speaks a message."""


@dataclass(frozen=True)
class MessageSpread(_Record):
    """Minimum, mean and maximum of messages per conversation."""

    min: int
    mean: float
    max: int

    @classmethod
    def _from_dict(cls, d: _Json) -> MessageSpread:
        return cls(d["min"], float(d["mean"]), d["max"])


@dataclass(frozen=True)
class TokenSpread(_Record):
    """The distribution of tokens per conversation (exact quantiles, by nearest rank)."""

    min: int
    median: int
    p95: int
    max: int
    mean: float

    @classmethod
    def _from_dict(cls, d: _Json) -> TokenSpread:
        return cls(d["min"], d["median"], d["p95"], d["max"], float(d["mean"]))


@dataclass(frozen=True)
class RoleCounts(_Record):
    """Messages by role, over all conversations."""

    system: int
    user: int
    assistant: int

    @classmethod
    def _from_dict(cls, d: _Json) -> RoleCounts:
        return cls(d["system"], d["user"], d["assistant"])


@dataclass(frozen=True)
class DatasetStats(_Record):
    """The statistics of a validation, kept even for an invalid file.

    Token figures are ``None`` when tokens were not counted; ``tokens_exact`` says whether
    they are the trainer's exact counts (a tokenizer was given) or an estimate.
    """

    lines: int
    bytes: int
    records: int
    conversations: int
    source_conversations: int | None
    training_examples: int
    validation_examples: int
    training_pairs: int
    validation_pairs: int
    user_turn_pairs: int
    zero_weight_conversations: int
    messages_per_conversation: MessageSpread | None
    roles: RoleCounts
    tokenizer: str | None
    tokens_exact: bool
    total_tokens: int | None
    trainable_tokens: int | None
    validation_tokens: int | None
    tokens_per_conversation: TokenSpread | None
    max_seq_len: int | None
    over_max_seq_len: int
    duplicates: int
    train_validation_overlap: int

    @classmethod
    def _from_dict(cls, d: _Json) -> DatasetStats:
        messages, tokens = d["messages_per_conversation"], d["tokens_per_conversation"]
        return cls(
            **{k: d[k] for k in _PLAIN_STATS},
            messages_per_conversation=None if messages is None else MessageSpread._from_dict(messages),
            roles=RoleCounts._from_dict(d["roles"]),
            tokens_per_conversation=None if tokens is None else TokenSpread._from_dict(tokens),
        )


_PLAIN_STATS = tuple(
    name
    for name in DatasetStats.__annotations__
    if name not in {"messages_per_conversation", "roles", "tokens_per_conversation"}
)


@dataclass(frozen=True)
class Finding(_Record):
    """One problem or remark found in a dataset, where it is and how to fix it."""

    line: int | None
    """The 1-based line (blank lines counted); ``None`` for the file as a whole."""
    path: str | None
    """The JSON path inside the record (``conversations[3].training_pairs[2]``)."""
    code: str
    """The rule's stable snake_case code (``missing_target_response``)."""
    severity: Severity
    message: str
    suggestion: str | None

    @classmethod
    def _from_dict(cls, d: _Json) -> Finding:
        return cls(d["line"], d["path"], d["code"], d["severity"], d["message"], d["suggestion"])


@dataclass(frozen=True)
class Message(_Record):
    """One message of a conversation."""

    role: Role
    content: str
    weight: int | None = None
    """``0`` for an assistant message that is read but not trained on; ``None`` (the
    default, as ``1``) otherwise."""

    @classmethod
    def _from_dict(cls, d: _Json) -> Message:
        return cls(d["role"], d["content"], d.get("weight"))

    @property
    def is_trained(self) -> bool:
        """Whether the loss is computed on this message: an assistant message not weighted 0."""
        return self.role == "assistant" and self.weight != 0

    def to_dict(self) -> dict[str, Any]:
        """As the core's JSON: ``weight`` only when there is one."""
        d = super().to_dict()
        if self.weight is None:
            del d["weight"]
        return d


@dataclass(frozen=True)
class ConversationSource(_Record):
    """Where a conversation came from in its file."""

    line: int
    path: str | None
    id: str | None

    @classmethod
    def _from_dict(cls, d: _Json) -> ConversationSource:
        return cls(d["line"], d["path"], d["id"])


@dataclass(frozen=True)
class Conversation(_Record):
    """A conversation in the canonical form the trainer learns from."""

    messages: tuple[Message, ...]
    split: Split
    source: ConversationSource

    @classmethod
    def _from_dict(cls, d: _Json) -> Conversation:
        messages = tuple(Message._from_dict(m) for m in d["messages"])
        return cls(messages, d["split"], ConversationSource._from_dict(d["source"]))


@dataclass(frozen=True)
class ValidationReport(_Record):
    """The outcome of validating a dataset file: ``to_dict()`` is ``brightrun validate --json``."""

    valid: bool
    """Whether the file can be trained on: no finding of severity error."""
    format: DatasetFormat | None
    """The file's format; ``None`` for a file without records."""
    layout: Layout
    stats: DatasetStats
    errors: int
    warnings: int
    infos: int
    counts: dict[str, int]
    """Every finding counted by code."""
    findings: tuple[Finding, ...]
    """The first findings of each code, in file order."""
    findings_truncated: bool
    sample_data: tuple[Conversation, ...]
    """The first conversations in canonical form, for a preview."""

    @classmethod
    def _from_dict(cls, d: _Json) -> ValidationReport:
        return cls(
            valid=d["valid"],
            format=d["format"],
            layout=d["layout"],
            stats=DatasetStats._from_dict(d["stats"]),
            errors=d["errors"],
            warnings=d["warnings"],
            infos=d["infos"],
            counts=dict(d["counts"]),
            findings=tuple(Finding._from_dict(f) for f in d["findings"]),
            findings_truncated=d["findings_truncated"],
            sample_data=tuple(Conversation._from_dict(c) for c in d["sample_data"]),
        )


@dataclass(frozen=True)
class ConvertSummary(_Record):
    """What a conversion wrote and skipped: ``to_dict()`` is ``brightrun convert --json``."""

    format: DatasetFormat | None
    layout: Layout
    train_file: Path
    validation_file: Path
    train_conversations: int
    validation_conversations: int
    skipped_invalid: int
    """Records skipped because they had an error (``validate`` shows them)."""
    skipped_untrained: int
    """Conversations with nothing to train on (v4 user turns, ``weight: 0``)."""
    skipped_overlap: int
    """Validation copies of conversations already in the training split."""

    @classmethod
    def _from_dict(cls, d: _Json) -> ConvertSummary:
        return cls(
            format=d["format"],
            layout=d["layout"],
            train_file=Path(d["train_file"]),
            validation_file=Path(d["validation_file"]),
            train_conversations=d["train_conversations"],
            validation_conversations=d["validation_conversations"],
            skipped_invalid=d["skipped_invalid"],
            skipped_untrained=d["skipped_untrained"],
            skipped_overlap=d["skipped_overlap"],
        )
