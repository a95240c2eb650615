"""AsyncBrightRun: the same surface with await, on the binding's runtime."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

import brightrun
from brightrun import AsyncBrightRun
from client_support import CHAT


def test_the_async_client_uploads_lists_and_raises_not_found(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncBrightRun(home=tmp_path, worker=False) as br:
            dataset = await br.datasets.create(CHAT, name="async")
            assert dataset.status == "validating"
            page = await br.datasets.list()
            assert [d.id for d in page.items] == [dataset.id]
            assert (await br.datasets.retrieve(dataset.id)) == dataset
            budget = await br.costs.set_budget(monthly="10")
            assert str(budget.monthly_budget) == "10"
            assert (await br.notifications.unread_count()) == 0
            other = br.for_user(str(uuid.uuid4()))
            with pytest.raises(brightrun.NotFoundError):
                await other.datasets.retrieve(dataset.id)
            # Two calls at once on the same client.
            a, b = await asyncio.gather(br.jobs.list(), br.models.list())
            assert a.total == 0 and b.total == 0

    asyncio.run(main())
