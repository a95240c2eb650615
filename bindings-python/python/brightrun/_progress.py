"""The progress bar of ``jobs.wait(progress=True)``: a ``tqdm.auto`` bar over the job's
optimiser steps with its loss, tokens per second and cost; tqdm computes the ETA."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._types import TrainingJob


class JobBar:
    """A bar when asked for and tqdm is installed; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._enabled = enabled

    def __enter__(self) -> JobBar:
        if self._enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return self
            self._bar = tqdm(total=0, unit="step", desc="queued", dynamic_ncols=True)
        return self

    def update(self, job: TrainingJob) -> None:
        """Shows the job's latest state."""
        bar = self._bar
        if bar is None:
            return
        if job.total_steps and bar.total != job.total_steps:
            bar.total = job.total_steps
        bar.set_description(job.stage or job.status, refresh=False)
        metrics = job.current_metrics
        postfix: dict[str, str] = {}
        if metrics is not None and metrics.training_loss is not None:
            postfix["loss"] = f"{metrics.training_loss:.4f}"
        if metrics is not None and metrics.tokens_per_second is not None:
            postfix["tok/s"] = f"{metrics.tokens_per_second:,.0f}"
        cost = job.final_cost if job.final_cost is not None else job.current_cost
        postfix["cost"] = f"${cost:.4f}"
        bar.set_postfix(postfix, refresh=False)
        bar.update(max(0, job.current_step - bar.n))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
