"""The client's resources: ``datasets``, ``jobs``, ``models``, ``costs``, ``notifications``.

Each method builds one operation (``_ops``) and runs it on its client: blocking in the
``BrightRun`` resources, awaited in the ``Async*`` ones. Long waits poll from Python, so
Ctrl-C (or cancelling the task) stops them between two polls.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from . import _ops
from ._api import HyperparameterOverrides, validate, validate_async
from ._download import save
from ._errors import DatasetError, WaitTimeoutError
from ._files import DatasetFile, local_file
from ._metrics import Metrics
from ._ops import _UNSET, Money, Op
from ._progress import JobBar
from ._types import (
    BudgetSettings,
    CostSummary,
    CostTotals,
    Dataset,
    DatasetFormat,
    Estimate,
    EventBatch,
    JobDetails,
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

DATASET_DONE = ("ready", "error")
"""Dataset statuses that end a wait."""
JOB_DONE = ("completed", "failed", "cancelled")
"""Job statuses that end a wait."""


class _Sync(Protocol):
    def _run(self, op: Op[T]) -> T: ...


class _Async(Protocol):
    def _run(self, op: Op[T]) -> Awaitable[T]: ...


def _format_of(report: ValidationReport, path: Path) -> str:
    if report.format is None:
        raise DatasetError(f"{path}: the dataset's format is not recognised; pass format=", "unknown_dataset_format")
    return report.format


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _check_deadline(deadline: float | None, what: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise WaitTimeoutError(f"{what} did not finish in time", "timeout")


class Datasets:
    """Training files: upload, validation (by the orchestrator), reading and housekeeping."""

    def __init__(self, client: _Sync) -> None:
        self._client = client

    def create(
        self,
        file: DatasetFile,
        name: str | None = None,
        description: str | None = None,
        format: DatasetFormat | None = None,
        file_name: str | None = None,
    ) -> Dataset:
        """Uploads a dataset file (a path or a binary file object) and confirms it: the
        dataset is then ``validating`` until the orchestrator has checked it (see :meth:`wait`).
        ``format`` defaults to the one recognised from the file's first records."""
        with local_file(file, file_name) as (path, name_of_file):
            fmt = format or _format_of(validate(path), path)
            size = path.stat().st_size
            upload = self._client._run(_ops.dataset_create(name or name_of_file, description, fmt, name_of_file, size))
            return self._client._run(_ops.dataset_upload(upload.dataset.id, str(path)))

    def list(self, status: str | None = None, search: str | None = None, limit: int = 20, offset: int = 0) -> PageDataset:
        """A page of datasets, newest first; ``search`` matches names."""
        return self._client._run(_ops.dataset_list(status, search, limit, offset))

    def retrieve(self, id: str) -> Dataset:
        """One dataset. Raises ``NotFoundError`` for a missing or another user's id."""
        return self._client._run(_ops.dataset_retrieve(id))

    def update(self, id: str, name: str | None = None, description: Any = _UNSET) -> Dataset:
        """Renames or re-describes a dataset (``description=None`` clears it)."""
        return self._client._run(_ops.dataset_update(id, name, description))

    def delete(self, id: str) -> None:
        """Deletes a dataset and its file."""
        self._client._run(_ops.dataset_delete(id))

    def report(self, id: str) -> ValidationReport | None:
        """The full validation report (``None`` until validated)."""
        return self._client._run(_ops.dataset_report(id))

    def wait(self, id: str, timeout: float | None = 600, poll_interval: float = 0.5) -> Dataset:
        """Waits until the dataset is ``ready`` or ``error`` and returns it.

        Raises:
            WaitTimeoutError: not validated within ``timeout`` seconds (also a ``TimeoutError``).
        """
        deadline = _deadline(timeout)
        while True:
            dataset = self.retrieve(id)
            if dataset.status in DATASET_DONE:
                return dataset
            _check_deadline(deadline, f"the validation of dataset {id}")
            time.sleep(poll_interval)


class AsyncDatasets:
    """:class:`Datasets` with ``await``."""

    def __init__(self, client: _Async) -> None:
        self._client = client

    async def create(
        self,
        file: DatasetFile,
        name: str | None = None,
        description: str | None = None,
        format: DatasetFormat | None = None,
        file_name: str | None = None,
    ) -> Dataset:
        """See :meth:`Datasets.create`."""
        with local_file(file, file_name) as (path, name_of_file):
            fmt = format or _format_of(await validate_async(path), path)
            size = path.stat().st_size
            op = _ops.dataset_create(name or name_of_file, description, fmt, name_of_file, size)
            upload = await self._client._run(op)
            return await self._client._run(_ops.dataset_upload(upload.dataset.id, str(path)))

    async def list(
        self, status: str | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> PageDataset:
        """See :meth:`Datasets.list`."""
        return await self._client._run(_ops.dataset_list(status, search, limit, offset))

    async def retrieve(self, id: str) -> Dataset:
        """See :meth:`Datasets.retrieve`."""
        return await self._client._run(_ops.dataset_retrieve(id))

    async def update(self, id: str, name: str | None = None, description: Any = _UNSET) -> Dataset:
        """See :meth:`Datasets.update`."""
        return await self._client._run(_ops.dataset_update(id, name, description))

    async def delete(self, id: str) -> None:
        """See :meth:`Datasets.delete`."""
        await self._client._run(_ops.dataset_delete(id))

    async def report(self, id: str) -> ValidationReport | None:
        """See :meth:`Datasets.report`."""
        return await self._client._run(_ops.dataset_report(id))

    async def wait(self, id: str, timeout: float | None = 600, poll_interval: float = 0.5) -> Dataset:
        """See :meth:`Datasets.wait`."""
        deadline = _deadline(timeout)
        while True:
            dataset = await self.retrieve(id)
            if dataset.status in DATASET_DONE:
                return dataset
            _check_deadline(deadline, f"the validation of dataset {id}")
            await asyncio.sleep(poll_interval)


class Jobs:
    """Training jobs: estimate, create, follow, cancel."""

    def __init__(self, client: _Sync) -> None:
        self._client = client

    def estimate(
        self,
        dataset_id: str,
        preset: str = "balanced",
        base_model: str = "smoke",
        gpu: str | None = None,
        gpus: int = 1,
        price_per_gpu_hour: Money | None = None,
        **hyperparameters: Any,
    ) -> Estimate:
        """Duration, cost and GPU memory of a job on a ready dataset, from its real token
        counts. Any hyperparameter (``learning_rate=``, ``lora_rank=``, ...) replaces the
        preset's; ``gpu`` defaults to ``CPU``."""
        args = _ops.job_options(dataset_id, preset, base_model, gpu, gpus, price_per_gpu_hour, _checked(hyperparameters))
        return self._client._run(_ops.job_estimate(args))

    def create(
        self,
        dataset_id: str,
        preset: str = "balanced",
        base_model: str = "smoke",
        gpu: str | None = None,
        gpus: int = 1,
        price_per_gpu_hour: Money | None = None,
        **hyperparameters: Any,
    ) -> TrainingJob:
        """Queues a job (see :meth:`estimate` for the arguments); the orchestrator runs it."""
        args = _ops.job_options(dataset_id, preset, base_model, gpu, gpus, price_per_gpu_hour, _checked(hyperparameters))
        return self._client._run(_ops.job_create(args))

    def list(
        self, status: str | None = None, dataset_id: str | None = None, limit: int = 20, offset: int = 0
    ) -> PageTrainingJob:
        """A page of jobs, newest first."""
        return self._client._run(_ops.job_list(status, dataset_id, limit, offset))

    def retrieve(self, id: str) -> TrainingJob:
        """One job."""
        return self._client._run(_ops.job_retrieve(id))

    def details(self, id: str) -> JobDetails:
        """One job with a summary of its dataset."""
        return self._client._run(_ops.job_details(id))

    def cancel(self, id: str) -> TrainingJob:
        """Cancels a job: a queued one at once. For one being launched or running the
        request is recorded (``cancel_requested_at``) and the job returned as it is; the
        orchestrator stops its worker (which saves a partial adapter) and the job ends
        ``cancelled`` with its final cost: :meth:`wait` for it. Raises
        ``InvalidRequestError`` (``job_finished``) for a finished job."""
        return self._client._run(_ops.job_cancel(id))

    def events(self, id: str, after: int | None = None) -> EventBatch:
        """The worker's output after the cursor ``after`` (from the start by default):
        events and log lines, and the cursor of the next page (``.cursor``)."""
        return self._client._run(_ops.job_events(id, after))

    def metrics(self, id: str, max_points: int = 500, series: str | None = None) -> Metrics:
        """The job's metrics downsampled to at most ``max_points`` (2 to 5,000), by the
        ``series`` it keeps the shape of (``training_loss`` by default); ``.to_pandas()``."""
        return self._client._run(_ops.job_metrics(id, max_points, series))

    def wait(
        self, id: str, progress: bool = False, timeout: float | None = None, poll_interval: float = 0.5
    ) -> TrainingJob:
        """Waits until the job is completed, failed or cancelled and returns it; with
        ``progress=True``, a tqdm bar shows step, loss, tokens/s, ETA and cost."""
        deadline = _deadline(timeout)
        with JobBar(progress) as bar:
            while True:
                job = self.retrieve(id)
                bar.update(job)
                if job.status in JOB_DONE:
                    return job
                _check_deadline(deadline, f"job {id}")
                time.sleep(poll_interval)


class AsyncJobs:
    """:class:`Jobs` with ``await``."""

    def __init__(self, client: _Async) -> None:
        self._client = client

    async def estimate(
        self,
        dataset_id: str,
        preset: str = "balanced",
        base_model: str = "smoke",
        gpu: str | None = None,
        gpus: int = 1,
        price_per_gpu_hour: Money | None = None,
        **hyperparameters: Any,
    ) -> Estimate:
        """See :meth:`Jobs.estimate`."""
        args = _ops.job_options(dataset_id, preset, base_model, gpu, gpus, price_per_gpu_hour, _checked(hyperparameters))
        return await self._client._run(_ops.job_estimate(args))

    async def create(
        self,
        dataset_id: str,
        preset: str = "balanced",
        base_model: str = "smoke",
        gpu: str | None = None,
        gpus: int = 1,
        price_per_gpu_hour: Money | None = None,
        **hyperparameters: Any,
    ) -> TrainingJob:
        """See :meth:`Jobs.create`."""
        args = _ops.job_options(dataset_id, preset, base_model, gpu, gpus, price_per_gpu_hour, _checked(hyperparameters))
        return await self._client._run(_ops.job_create(args))

    async def list(
        self, status: str | None = None, dataset_id: str | None = None, limit: int = 20, offset: int = 0
    ) -> PageTrainingJob:
        """See :meth:`Jobs.list`."""
        return await self._client._run(_ops.job_list(status, dataset_id, limit, offset))

    async def retrieve(self, id: str) -> TrainingJob:
        """See :meth:`Jobs.retrieve`."""
        return await self._client._run(_ops.job_retrieve(id))

    async def details(self, id: str) -> JobDetails:
        """See :meth:`Jobs.details`."""
        return await self._client._run(_ops.job_details(id))

    async def cancel(self, id: str) -> TrainingJob:
        """See :meth:`Jobs.cancel`."""
        return await self._client._run(_ops.job_cancel(id))

    async def events(self, id: str, after: int | None = None) -> EventBatch:
        """See :meth:`Jobs.events`."""
        return await self._client._run(_ops.job_events(id, after))

    async def metrics(self, id: str, max_points: int = 500, series: str | None = None) -> Metrics:
        """See :meth:`Jobs.metrics`."""
        return await self._client._run(_ops.job_metrics(id, max_points, series))

    async def wait(
        self, id: str, progress: bool = False, timeout: float | None = None, poll_interval: float = 0.5
    ) -> TrainingJob:
        """See :meth:`Jobs.wait`."""
        deadline = _deadline(timeout)
        with JobBar(progress) as bar:
            while True:
                job = await self.retrieve(id)
                bar.update(job)
                if job.status in JOB_DONE:
                    return job
                _check_deadline(deadline, f"job {id}")
                await asyncio.sleep(poll_interval)


_HYPERPARAMETERS = frozenset(HyperparameterOverrides.__annotations__)


def _checked(hyperparameters: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(hyperparameters) - _HYPERPARAMETERS)
    if unknown:
        raise TypeError(f"unknown hyperparameters {unknown}; known: {sorted(_HYPERPARAMETERS)}")
    return hyperparameters


class Models:
    """Trained adapters: read, rename, archive, download."""

    def __init__(self, client: _Sync) -> None:
        self._client = client

    def list(self, status: str | None = None, job_id: str | None = None, limit: int = 20, offset: int = 0) -> PageModelArtifact:
        """A page of models, newest first."""
        return self._client._run(_ops.model_list(status, job_id, limit, offset))

    def retrieve(self, id: str) -> ModelArtifact:
        """One model."""
        return self._client._run(_ops.model_retrieve(id))

    def update(self, id: str, name: str | None = None, description: Any = _UNSET, status: str | None = None) -> ModelArtifact:
        """Renames, re-describes, archives (``status="archived"``) or deletes a model."""
        return self._client._run(_ops.model_update(id, name, description, status))

    def download_urls(self, id: str, expires_in: int = 3600) -> tuple[ModelDownload, ...]:
        """Where to download each file (a signed URL, or a local path), with size and sha256."""
        return self._client._run(_ops.model_download_urls(id, expires_in))

    def download(self, id: str, out_dir: str | os.PathLike[str]) -> builtins.list[Path]:
        """Downloads every file of the model into ``out_dir``, each checked against its
        sha256 (``StorageError`` with code ``checksum_mismatch`` otherwise)."""
        return save(self.download_urls(id), out_dir)


class AsyncModels:
    """:class:`Models` with ``await``."""

    def __init__(self, client: _Async) -> None:
        self._client = client

    async def list(
        self, status: str | None = None, job_id: str | None = None, limit: int = 20, offset: int = 0
    ) -> PageModelArtifact:
        """See :meth:`Models.list`."""
        return await self._client._run(_ops.model_list(status, job_id, limit, offset))

    async def retrieve(self, id: str) -> ModelArtifact:
        """See :meth:`Models.retrieve`."""
        return await self._client._run(_ops.model_retrieve(id))

    async def update(
        self, id: str, name: str | None = None, description: Any = _UNSET, status: str | None = None
    ) -> ModelArtifact:
        """See :meth:`Models.update`."""
        return await self._client._run(_ops.model_update(id, name, description, status))

    async def download_urls(self, id: str, expires_in: int = 3600) -> tuple[ModelDownload, ...]:
        """See :meth:`Models.download_urls`."""
        return await self._client._run(_ops.model_download_urls(id, expires_in))

    async def download(self, id: str, out_dir: str | os.PathLike[str]) -> builtins.list[Path]:
        """See :meth:`Models.download` (the files are copied on a thread)."""
        return await asyncio.to_thread(save, await self.download_urls(id), out_dir)


class Costs:
    """Spending and budgets."""

    def __init__(self, client: _Sync) -> None:
        self._client = client

    def summary(self) -> CostSummary:
        """This month's totals by type, against the budget."""
        return self._client._run(_ops.cost_summary())

    def history(self, months: int = 12) -> tuple[CostTotals, ...]:
        """Totals of the last ``months`` months (1 to 36), this one first."""
        return self._client._run(_ops.cost_history(months))

    def budget(self) -> BudgetSettings:
        """The budget settings."""
        return self._client._run(_ops.cost_budget())

    def set_budget(
        self, monthly: Money | None = None, alert_threshold_percent: int = 80, per_job_cap: Money | None = None
    ) -> BudgetSettings:
        """Replaces the budget settings (USD amounts; ``None`` means no limit)."""
        return self._client._run(_ops.cost_set_budget(monthly, alert_threshold_percent, per_job_cap))


class AsyncCosts:
    """:class:`Costs` with ``await``."""

    def __init__(self, client: _Async) -> None:
        self._client = client

    async def summary(self) -> CostSummary:
        """See :meth:`Costs.summary`."""
        return await self._client._run(_ops.cost_summary())

    async def history(self, months: int = 12) -> tuple[CostTotals, ...]:
        """See :meth:`Costs.history`."""
        return await self._client._run(_ops.cost_history(months))

    async def budget(self) -> BudgetSettings:
        """See :meth:`Costs.budget`."""
        return await self._client._run(_ops.cost_budget())

    async def set_budget(
        self, monthly: Money | None = None, alert_threshold_percent: int = 80, per_job_cap: Money | None = None
    ) -> BudgetSettings:
        """See :meth:`Costs.set_budget`."""
        return await self._client._run(_ops.cost_set_budget(monthly, alert_threshold_percent, per_job_cap))


class Notifications:
    """What happened to datasets and jobs, newest first."""

    def __init__(self, client: _Sync) -> None:
        self._client = client

    def list(self, unread: bool | None = None, limit: int = 20, offset: int = 0) -> PageNotification:
        """A page of notifications (``unread=True``: only unread ones)."""
        return self._client._run(_ops.notification_list(unread, limit, offset))

    def unread_count(self) -> int:
        """How many are unread."""
        return self._client._run(_ops.notification_unread_count())

    def mark_read(self, id: str) -> Notification:
        """Marks one read."""
        return self._client._run(_ops.notification_mark_read(id))

    def mark_all_read(self) -> int:
        """Marks all read; returns how many changed."""
        return self._client._run(_ops.notification_mark_all_read())


class AsyncNotifications:
    """:class:`Notifications` with ``await``."""

    def __init__(self, client: _Async) -> None:
        self._client = client

    async def list(self, unread: bool | None = None, limit: int = 20, offset: int = 0) -> PageNotification:
        """See :meth:`Notifications.list`."""
        return await self._client._run(_ops.notification_list(unread, limit, offset))

    async def unread_count(self) -> int:
        """See :meth:`Notifications.unread_count`."""
        return await self._client._run(_ops.notification_unread_count())

    async def mark_read(self, id: str) -> Notification:
        """See :meth:`Notifications.mark_read`."""
        return await self._client._run(_ops.notification_mark_read(id))

    async def mark_all_read(self) -> int:
        """See :meth:`Notifications.mark_all_read`."""
        return await self._client._run(_ops.notification_mark_all_read())


