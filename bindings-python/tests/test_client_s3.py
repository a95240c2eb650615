"""The client on PostgreSQL + S3 (the tests' s3s server, which checks SigV4 signatures)
with the real trainer and the smoke model: upload, validation, training, the adapter
downloaded through signed URLs with its sha256 checked, a cancel, another user's ids."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import brightrun
from brightrun import BrightRun, NotFoundError
from brightrun._types import LocationSignedUrl
from client_support import CHAT, QUICK, postgres_url, s3_server, trainer_python


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrightRun]:
    """A client on PostgreSQL and S3 that runs the orchestrator (the production parts, as a
    host running `brightrun worker` has them), as a fresh user."""
    database = postgres_url()
    mp = pytest.MonkeyPatch()
    mp.setenv("BRIGHTRUN_WORKER", f"{trainer_python()} -m brightrun_trainer")
    with s3_server(tmp_path_factory.mktemp("s3")) as storage:
        home = tmp_path_factory.mktemp("cloud-home")
        with BrightRun(home=home, database_url=database, storage_url=storage, worker=True) as client:
            yield client.for_user(str(uuid.uuid4()))
    mp.undo()


@pytest.fixture(scope="module")
def trained(cloud: BrightRun) -> dict[str, Any]:
    dataset = cloud.datasets.create(CHAT, name="on-s3")
    ready = cloud.datasets.wait(dataset.id, timeout=300)
    job = cloud.jobs.create(ready.id, preset="balanced", base_model="smoke", **QUICK)
    return {"dataset": ready, "job": cloud.jobs.wait(job.id, timeout=600)}


def test_a_job_trains_on_postgres_and_s3(cloud: BrightRun, trained: dict[str, Any]) -> None:
    dataset, job = trained["dataset"], trained["job"]
    assert dataset.status == "ready" and dataset.training_ready
    assert job.status == "completed", job.error_message
    assert job.final_cost is not None and job.final_cost >= 0
    assert job.artifact_id is not None
    assert [m.id for m in cloud.models.list().items] == [job.artifact_id]
    assert {n.notification_type for n in cloud.notifications.list().items} >= {"dataset_ready", "job_complete"}


def test_the_adapter_downloads_through_signed_urls(cloud: BrightRun, trained: dict[str, Any], tmp_path: Path) -> None:
    model_id = trained["job"].artifact_id
    downloads = cloud.models.download_urls(model_id, expires_in=600)
    assert {d.name for d in downloads} >= {"adapter_config.json", "adapter_model.safetensors"}
    saved = cloud.models.download(model_id, tmp_path / "adapter")
    for download in downloads:
        assert isinstance(download.location, LocationSignedUrl)
        assert download.location.access == "download"
        path = tmp_path / "adapter" / download.name
        assert path in saved
        assert hashlib.sha256(path.read_bytes()).hexdigest() == download.sha256
    # The server checks signatures: a URL whose signature was changed is refused.
    location = downloads[0].location
    assert isinstance(location, LocationSignedUrl)
    head, signature = location.url.split("X-Amz-Signature=", 1)
    tampered = f"{head}X-Amz-Signature={'1' if signature[0] == '0' else '0'}{signature[1:]}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tampered, timeout=30)
    assert refused.value.code == 403


def test_a_queued_job_is_cancelled_on_postgres(cloud: BrightRun, trained: dict[str, Any]) -> None:
    job = cloud.jobs.create(trained["dataset"].id, base_model="smoke", **QUICK)
    cloud.jobs.cancel(job.id)
    final = cloud.jobs.wait(job.id, timeout=600)
    assert final.status in ("cancelled", "completed")
    with pytest.raises(brightrun.InvalidRequestError) as finished:
        cloud.jobs.cancel(job.id)
    assert finished.value.code == "job_finished"


def test_another_users_ids_are_not_found_on_s3(cloud: BrightRun, trained: dict[str, Any]) -> None:
    stranger = cloud.for_user(str(uuid.uuid4()))
    with pytest.raises(NotFoundError):
        stranger.models.download_urls(trained["job"].artifact_id)
    with pytest.raises(NotFoundError):
        stranger.jobs.retrieve(trained["job"].id)
    with pytest.raises(NotFoundError):
        stranger.datasets.report(trained["dataset"].id)
