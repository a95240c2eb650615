"""The client on PostgreSQL (BRIGHTRUN_TEST_DATABASE_URL) + local storage: the calls that
need no training, each test as a fresh user so that runs never see each other's rows.
Training on PostgreSQL + S3: test_client_s3.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

import brightrun
from brightrun import BrightRun
from client_support import CHAT, postgres_url


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrightRun]:
    url = postgres_url()
    home = tmp_path_factory.mktemp("pg-home")
    # No orchestrator here: the database is shared, and one would claim other runs' work.
    with BrightRun(home=home, database_url=url, storage_url=str(home / "storage")) as client:
        assert not client.worker_running
        yield client.for_user(str(uuid.uuid4()))


def test_datasets_costs_and_notifications_on_postgres(pg: BrightRun) -> None:
    ready = pg.datasets.create(CHAT, name="pg")
    assert ready.status == "validating" and ready.file_size == CHAT.stat().st_size
    assert pg.datasets.report(ready.id) is None
    assert pg.datasets.retrieve(ready.id) == ready
    assert [d.id for d in pg.datasets.list().items] == [ready.id]
    with pytest.raises(brightrun.InvalidRequestError) as error:
        pg.jobs.estimate(ready.id, base_model="smoke")
    assert error.value.code == "dataset_not_ready"
    assert pg.datasets.update(ready.id, name="renamed").name == "renamed"
    budget = pg.costs.set_budget(monthly=Decimal("12.50"))
    assert pg.costs.budget() == budget
    assert pg.costs.summary().budget == budget
    assert pg.notifications.list().total == 0
    assert pg.jobs.list().total == 0 and pg.models.list().total == 0
    pg.datasets.delete(ready.id)
    assert pg.datasets.list().total == 0


def test_another_users_rows_are_not_found_on_postgres(pg: BrightRun) -> None:
    dataset = pg.datasets.create(CHAT, name="mine")
    stranger = pg.for_user(str(uuid.uuid4()))
    with pytest.raises(brightrun.NotFoundError):
        stranger.datasets.retrieve(dataset.id)
    with pytest.raises(brightrun.NotFoundError):
        stranger.datasets.delete(dataset.id)
    assert stranger.datasets.list().total == 0
