"""The BrightRun client over the embedded default (SQLite + local storage) with the real
trainer and the smoke model: the whole lifecycle, cancel, a failed job, another user's
ids, and results equal to the CLI's ``--json`` for the same home."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import brightrun
from brightrun import BrightRun, NotFoundError
from client_support import CHAT, QUICK, failing_worker, trainer_python
from conftest import CliJson


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def br(home: Path) -> Iterator[BrightRun]:
    mp = pytest.MonkeyPatch()
    mp.setenv("BRIGHTRUN_WORKER", f"{trainer_python()} -m brightrun_trainer")
    with BrightRun(home=home) as client:
        yield client
    mp.undo()


@pytest.fixture(scope="module")
def trained(br: BrightRun) -> dict[str, Any]:
    """One dataset and one completed job, shared by the tests that read them."""
    dataset = br.datasets.create(CHAT, name="support-bot")
    ready = br.datasets.wait(dataset.id, timeout=300)
    job = br.jobs.create(ready.id, preset="balanced", base_model="smoke", **QUICK)
    done = br.jobs.wait(job.id, progress=True, timeout=600)
    return {"dataset": ready, "job": done}


def test_the_embedded_default_runs_a_worker(br: BrightRun) -> None:
    assert br.worker_running
    assert br.user_id == brightrun.LOCAL_USER


def test_a_dataset_is_uploaded_validated_and_reported(br: BrightRun, trained: dict[str, Any]) -> None:
    dataset = trained["dataset"]
    assert dataset.status == "ready" and dataset.training_ready
    assert dataset.file_size == CHAT.stat().st_size
    assert dataset.created_at.tzinfo is not None
    report = br.datasets.report(dataset.id)
    assert report is not None and report.valid
    assert report.stats.conversations > 0
    assert "Validation report" in (report._repr_html_() or "")
    listed = br.datasets.list(search="support")
    assert dataset.id in [d.id for d in listed.items]


def test_a_file_object_uploads_too(br: BrightRun) -> None:
    dataset = br.datasets.create(io.BytesIO(CHAT.read_bytes()), name="from-bytes", file_name="chat.jsonl")
    assert dataset.status == "validating" and dataset.file_name == "chat.jsonl"
    renamed = br.datasets.update(dataset.id, name="renamed", description="from memory")
    assert (renamed.name, renamed.description) == ("renamed", "from memory")
    assert br.datasets.update(dataset.id, description=None).description is None
    br.datasets.delete(dataset.id)
    with pytest.raises(NotFoundError):
        br.datasets.retrieve(dataset.id)


def test_an_estimate_has_money_as_decimal(br: BrightRun, trained: dict[str, Any]) -> None:
    estimate = br.jobs.estimate(trained["dataset"].id, base_model="smoke", lora_rank=8)
    assert isinstance(estimate.cost.total, Decimal)
    assert estimate.hyperparameters.lora_rank == 8
    assert "Estimate" in (estimate._repr_html_() or "")


def test_a_job_trains_to_completion(br: BrightRun, trained: dict[str, Any]) -> None:
    job = trained["job"]
    assert job.status == "completed", job.error_message
    assert job.current_step == job.total_steps > 0
    assert job.final_cost is not None and isinstance(job.final_cost, Decimal)
    assert job.completed_at is not None and job.completed_at.tzinfo is not None
    assert job.artifact_id is not None
    assert "completed" in (job._repr_html_() or "")


def test_metrics_and_events_follow_the_run(br: BrightRun, trained: dict[str, Any]) -> None:
    job = trained["job"]
    metrics = br.jobs.metrics(job.id, max_points=100)
    assert 0 < len(metrics) <= 100
    assert all(p.training_loss is not None for p in metrics)
    frame = metrics.to_pandas()
    assert list(frame.index) == [p.step for p in metrics]
    assert "training_loss" in frame.columns
    page = br.jobs.events(job.id)
    events = [line.event.event for line in page.lines if isinstance(line, brightrun.WorkerLineEvent)]
    assert "started" in events and events[-1] == "completed"
    # The next page starts at the cursor: nothing new after the end.
    assert br.jobs.events(job.id, after=page.cursor).lines == ()


def test_the_model_downloads_with_checked_files(br: BrightRun, trained: dict[str, Any], tmp_path: Path) -> None:
    model_id = trained["job"].artifact_id
    model = br.models.retrieve(model_id)
    assert model.job_id == trained["job"].id
    saved = br.models.download(model_id, tmp_path / "adapter")
    names = {p.name for p in saved}
    assert "adapter_model.safetensors" in names and "adapter_config.json" in names
    for file in model.files:
        assert hashlib.sha256((tmp_path / "adapter" / file.name).read_bytes()).hexdigest() == file.sha256
    renamed = br.models.update(model_id, name="support-bot-v1")
    assert renamed.name == "support-bot-v1"


def test_costs_and_notifications(br: BrightRun, trained: dict[str, Any]) -> None:
    summary = br.costs.summary()
    assert summary.month.total >= Decimal(0)
    assert len(br.costs.history(months=3)) == 3
    budget = br.costs.set_budget(monthly="50", alert_threshold_percent=75, per_job_cap=Decimal("5.5"))
    assert (budget.monthly_budget, budget.per_job_cost_cap) == (Decimal("50"), Decimal("5.5"))
    assert br.costs.budget() == budget
    page = br.notifications.list()
    types = [n.notification_type for n in page.items]
    assert "job_complete" in types
    first = page.items[0]
    assert br.notifications.mark_read(first.id).read
    br.notifications.mark_all_read()
    assert br.notifications.unread_count() == 0
    assert br.notifications.list(unread=True).items == ()


def test_results_equal_the_cli_json(
    br: BrightRun, trained: dict[str, Any], home: Path, cli_json: CliJson, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIGHTRUN_HOME", str(home))
    job = trained["job"]
    assert br.jobs.list(limit=20).to_dict() == cli_json("jobs")
    shown = cli_json("job", job.id)
    assert br.jobs.retrieve(job.id).to_dict() == shown["job"]
    assert br.models.retrieve(job.artifact_id).to_dict() == shown["model"]
    assert br.models.list().to_dict() == cli_json("models")
    assert br.costs.summary().to_dict() == cli_json("costs")
    listing = cli_json("notifications")
    assert [n.to_dict() for n in br.notifications.list().items] == listing["items"]


def test_a_queued_job_is_cancelled(br: BrightRun, trained: dict[str, Any]) -> None:
    job = br.jobs.create(trained["dataset"].id, base_model="smoke", epochs=3)
    cancelled = br.jobs.cancel(job.id)
    assert cancelled.status in ("cancelled", "initializing", "running")
    final = br.jobs.wait(job.id, timeout=300)
    assert final.status in ("cancelled", "completed")
    with pytest.raises(brightrun.InvalidRequestError) as error:
        br.jobs.cancel(job.id)
    assert error.value.code == "job_finished"


def test_a_failed_worker_fails_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIGHTRUN_WORKER", failing_worker(tmp_path))
    with BrightRun(home=tmp_path / "home") as br:
        dataset = br.datasets.wait(br.datasets.create(CHAT).id, timeout=300)
        job = br.jobs.wait(br.jobs.create(dataset.id, **QUICK).id, timeout=300)
        assert job.status == "failed"
        assert job.error_type == "dataset_error"
        assert "always fails" in (job.error_message or "")
        assert "job_failed" in [n.notification_type for n in br.notifications.list().items]


def test_another_users_ids_are_not_found(br: BrightRun, trained: dict[str, Any]) -> None:
    other = br.for_user(str(uuid.uuid4()))
    job = trained["job"]
    calls: list[tuple[Callable[[str], object], str | None]] = [
        (other.datasets.retrieve, trained["dataset"].id),
        (other.datasets.report, trained["dataset"].id),
        (other.jobs.retrieve, job.id),
        (other.jobs.cancel, job.id),
        (other.jobs.events, job.id),
        (other.models.retrieve, job.artifact_id),
        (other.models.download_urls, job.artifact_id),
    ]
    for call, id in calls:
        assert id is not None
        with pytest.raises(NotFoundError) as error:
            call(id)
        assert error.value.code == "not_found"
        assert isinstance(error.value, LookupError)
    assert other.jobs.list().total == 0
    with pytest.raises(NotFoundError):
        br.jobs.retrieve("not-a-uuid")


def test_bad_input_has_a_code(br: BrightRun, trained: dict[str, Any]) -> None:
    with pytest.raises(brightrun.InvalidRequestError) as error:
        br.datasets.update(trained["dataset"].id, name="   ")
    assert error.value.code == "invalid_text"
    with pytest.raises(brightrun.HyperparameterError):
        br.jobs.estimate(trained["dataset"].id, lora_rank=0)
    with pytest.raises(brightrun.CatalogError) as catalog:
        br.jobs.estimate(trained["dataset"].id, gpu="TPU-9000")
    assert catalog.value.code == "unknown_gpu"
    with pytest.raises(TypeError):
        br.jobs.create(trained["dataset"].id, lora_rnak=8)
    with pytest.raises(brightrun.InvalidRequestError) as budget:
        br.costs.set_budget(monthly="-1")
    assert budget.value.code == "invalid_budget"


def test_a_closed_client_refuses_calls(tmp_path: Path) -> None:
    br = BrightRun(home=tmp_path, worker=False)
    assert not br.worker_running
    br.close()
    with pytest.raises(brightrun.BrightRunError) as error:
        br.datasets.list()
    assert error.value.code == "client_closed"
