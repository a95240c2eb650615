"""The client's operations, once: the native operation's name, its JSON arguments and how
to read its result. ``BrightRun`` runs them blocking, ``AsyncBrightRun`` awaiting."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from ._codec import to_int, to_object, to_tuple
from ._metrics import Metrics
from ._types import (
    BudgetSettings,
    CostSummary,
    CostTotals,
    Dataset,
    DatasetUpload,
    Estimate,
    EventBatch,
    JobDetails,
    MetricsPoint,
    ModelArtifact,
    ModelDownload,
    Notification,
    PageDataset,
    PageModelArtifact,
    PageNotification,
    PageTrainingJob,
    TrainingJob,
    ValidationReport,
)

T = TypeVar("T")

Money = Decimal | str | int | float
"""An amount in USD. A ``float`` is taken as its shortest repr (``1.1`` is exactly ``1.10``)."""


@dataclass(frozen=True)
class Op(Generic[T]):
    """One service operation: what to call and how to read the answer."""

    method: str
    args: Mapping[str, Any]
    read: Callable[[Any], T]

    def args_json(self) -> str:
        """The arguments as the JSON object the native client reads."""
        return json.dumps({k: v for k, v in self.args.items() if v is not _UNSET})


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


_UNSET: Any = _Unset()
"""An argument left out (as opposed to ``None``, which clears a description)."""


def money(value: Money | None) -> str | None:
    """Money as the decimal string the core reads."""
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(Decimal(value)) if isinstance(value, int) else str(value)


def _none(_: Any) -> None:
    return None


def dataset_create(name: str, description: str | None, format: str, file_name: str, size: int) -> Op[DatasetUpload]:
    args = {"name": name, "description": description, "format": format, "file_name": file_name, "size": size}
    return Op("datasets.create", args, DatasetUpload.from_dict)


def dataset_upload(id: str, path: str) -> Op[Dataset]:
    return Op("datasets.upload", {"id": id, "path": path}, Dataset.from_dict)


def dataset_list(status: str | None, search: str | None, limit: int, offset: int) -> Op[PageDataset]:
    args = {"status": status, "search": search, "limit": limit, "offset": offset}
    return Op("datasets.list", args, PageDataset.from_dict)


def dataset_retrieve(id: str) -> Op[Dataset]:
    return Op("datasets.retrieve", {"id": id}, Dataset.from_dict)


def dataset_update(id: str, name: str | None, description: Any) -> Op[Dataset]:
    return Op("datasets.update", {"id": id, "name": name, "description": description}, Dataset.from_dict)


def dataset_delete(id: str) -> Op[None]:
    return Op("datasets.delete", {"id": id}, _none)


def dataset_report(id: str) -> Op[ValidationReport | None]:
    return Op("datasets.report", {"id": id}, lambda v: None if v is None else ValidationReport.from_dict(v))


def job_options(
    dataset_id: str,
    preset: str,
    base_model: str,
    gpu: str | None,
    gpus: int,
    price_per_gpu_hour: Money | None,
    hyperparameters: Mapping[str, Any],
) -> dict[str, Any]:
    """The arguments of an estimate or a job: the core's estimate options plus the dataset."""
    args: dict[str, Any] = {
        "dataset_id": dataset_id,
        "preset": preset,
        "base_model": base_model,
        "gpu": gpu or "CPU",
        "gpus": gpus,
        "price_per_gpu_hour": money(price_per_gpu_hour),
    }
    for key, value in hyperparameters.items():
        args[key] = list(value) if isinstance(value, tuple) else value
    return args


def job_estimate(args: dict[str, Any]) -> Op[Estimate]:
    return Op("jobs.estimate", args, Estimate.from_dict)


def job_create(args: dict[str, Any]) -> Op[TrainingJob]:
    return Op("jobs.create", args, TrainingJob.from_dict)


def job_list(status: str | None, dataset_id: str | None, limit: int, offset: int) -> Op[PageTrainingJob]:
    args = {"status": status, "dataset_id": dataset_id, "limit": limit, "offset": offset}
    return Op("jobs.list", args, PageTrainingJob.from_dict)


def job_retrieve(id: str) -> Op[TrainingJob]:
    return Op("jobs.retrieve", {"id": id}, TrainingJob.from_dict)


def job_details(id: str) -> Op[JobDetails]:
    return Op("jobs.details", {"id": id}, JobDetails.from_dict)


def job_cancel(id: str) -> Op[TrainingJob]:
    return Op("jobs.cancel", {"id": id}, TrainingJob.from_dict)


def job_events(id: str, after: int | None) -> Op[EventBatch]:
    return Op("jobs.events", {"id": id, "after": after}, EventBatch.from_dict)


def job_metrics(id: str, max_points: int, series: str | None) -> Op[Metrics]:
    def read(value: Any) -> Metrics:
        return Metrics(to_tuple(value, MetricsPoint.from_dict))

    return Op("jobs.metrics", {"id": id, "max_points": max_points, "series": series}, read)


def model_list(status: str | None, job_id: str | None, limit: int, offset: int) -> Op[PageModelArtifact]:
    args = {"status": status, "job_id": job_id, "limit": limit, "offset": offset}
    return Op("models.list", args, PageModelArtifact.from_dict)


def model_retrieve(id: str) -> Op[ModelArtifact]:
    return Op("models.retrieve", {"id": id}, ModelArtifact.from_dict)


def model_update(id: str, name: str | None, description: Any, status: str | None) -> Op[ModelArtifact]:
    args = {"id": id, "name": name, "description": description, "status": status}
    return Op("models.update", args, ModelArtifact.from_dict)


def model_download_urls(id: str, expires_in: int) -> Op[tuple[ModelDownload, ...]]:
    return Op("models.download_urls", {"id": id, "expires_in": expires_in}, lambda v: to_tuple(v, ModelDownload.from_dict))


def cost_summary() -> Op[CostSummary]:
    return Op("costs.summary", {}, CostSummary.from_dict)


def cost_history(months: int) -> Op[tuple[CostTotals, ...]]:
    return Op("costs.history", {"months": months}, lambda v: to_tuple(v, CostTotals.from_dict))


def cost_budget() -> Op[BudgetSettings]:
    return Op("costs.budget", {}, BudgetSettings.from_dict)


def cost_set_budget(monthly: Money | None, alert_threshold_percent: int, per_job_cap: Money | None) -> Op[BudgetSettings]:
    args = {
        "monthly": money(monthly),
        "alert_threshold_percent": alert_threshold_percent,
        "per_job_cap": money(per_job_cap),
    }
    return Op("costs.set_budget", args, BudgetSettings.from_dict)


def notification_list(unread: bool | None, limit: int, offset: int) -> Op[PageNotification]:
    args = {"unread": bool(unread), "limit": limit, "offset": offset}
    return Op("notifications.list", args, PageNotification.from_dict)


def notification_unread_count() -> Op[int]:
    return Op("notifications.unread_count", {}, to_int)


def notification_mark_read(id: str) -> Op[Notification]:
    return Op("notifications.mark_read", {"id": id}, Notification.from_dict)


def notification_mark_all_read() -> Op[int]:
    return Op("notifications.mark_all_read", {}, to_int)


__all__ = ["Op", "_UNSET", "money", "to_object"]
