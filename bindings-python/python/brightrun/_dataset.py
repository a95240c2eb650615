"""The dataset functions' result types under their public names.

The types themselves are generated from the core (``_types``, by scripts/generate-types);
this module only keeps the names the package has always exported.
"""

from __future__ import annotations

from ._types import (
    Conversation,
    ConvertSummary,
    DatasetFormat,
    DatasetStats,
    Layout,
    Message,
    RoleCounts,
    Severity,
    TokenSpread,
    ValidationReport,
)
from ._types import Source as ConversationSource
from ._types import Spread as MessageSpread
from ._types import ValidationFinding as Finding

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
