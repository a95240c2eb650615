"""Readable notebook views (``_repr_html_``) of validation reports, jobs and estimates."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from ._codec import format_time, register_html
from ._types import Estimate, TrainingJob, ValidationReport


def _table(title: str, rows: Iterable[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left'>{escape(k)}</th><td style='text-align:left'>{escape(str(v))}</td></tr>"
        for k, v in rows
        if v is not None
    )
    return f"<div><strong>{escape(title)}</strong><table>{cells}</table></div>"


def report_html(report: ValidationReport) -> str:
    """A validation report: verdict, counts and the first findings."""
    s = report.stats
    rows = [
        ("valid", report.valid),
        ("format", report.format),
        ("conversations", s.conversations),
        ("training examples", s.training_examples),
        ("validation examples", s.validation_examples),
        ("tokens", s.total_tokens),
        ("errors / warnings", f"{report.errors} / {report.warnings}"),
    ]
    findings = "".join(
        f"<tr><td>{f.line or ''}</td><td>{escape(f.severity)}</td><td><code>{escape(f.code)}</code></td>"
        f"<td>{escape(f.message)}</td></tr>"
        for f in report.findings[:20]
    )
    more = f"<table><tr><th>line</th><th>severity</th><th>code</th><th>message</th></tr>{findings}</table>"
    return _table("Validation report", rows) + (more if findings else "")


def job_html(job: TrainingJob) -> str:
    """A job: status, progress, loss and cost."""
    metrics = job.current_metrics
    return _table(
        f"Job {job.id}",
        [
            ("status", job.status if job.stage is None else f"{job.status} ({job.stage})"),
            ("base model", job.hyperparameters.base_model),
            ("progress", f"step {job.current_step} of {job.total_steps} ({job.progress_percent:.0f}%)"),
            ("loss", None if metrics is None else metrics.training_loss),
            ("cost", f"${job.final_cost if job.final_cost is not None else job.current_cost}"),
            ("queued", format_time(job.queued_at)),
            ("completed", None if job.completed_at is None else format_time(job.completed_at)),
            ("error", job.error_message),
            ("model", job.artifact_id),
        ],
    )


def estimate_html(estimate: Estimate) -> str:
    """An estimate: time, cost and memory."""
    d, c, m = estimate.duration_hours, estimate.cost, estimate.memory
    return _table(
        f"Estimate: {estimate.base_model} on {estimate.gpu.gpu_count} x {estimate.gpu.gpu_type}",
        [
            ("duration (hours)", f"{d.expected:.2f} (range {d.low:.2f} to {d.high:.2f})"),
            ("cost", f"${c.total} (range ${c.total_range.low} to ${c.total_range.high})"),
            ("GPU memory", f"{m.required_gb:.1f} GB of {m.available_gb:.1f} GB ({'fits' if m.fits else 'does not fit'})"),
            ("tokens", estimate.tokens.total),
        ],
    )


def _register() -> None:
    register_html(ValidationReport, report_html)
    register_html(TrainingJob, job_html)
    register_html(Estimate, estimate_html)


_register()
