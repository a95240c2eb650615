"""Hand-written behaviour of generated types (``scripts/generate-types`` makes each type
named in its ``BEHAVIOUR`` table inherit the mixin of the same name here). Only methods and
properties live here: the fields come from the core."""

from __future__ import annotations


class MessageBehaviour:
    """What a ``Message`` can say about itself."""

    role: str
    weight: int | None

    @property
    def is_trained(self) -> bool:
        """Whether the loss is computed on this message: an assistant message not weighted 0."""
        return self.role == "assistant" and self.weight != 0
