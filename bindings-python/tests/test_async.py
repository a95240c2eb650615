"""estimate_async(): the same answers without blocking the event loop, on the binding's runtime."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import subprocess
import sys

import pytest

import brightrun
from brightrun import _native

MISTRAL = "mistralai/Mistral-7B-v0.1"


def test_the_async_variant_gives_the_sync_answer() -> None:
    async def both() -> tuple[brightrun.Estimate, brightrun.Estimate]:
        return await brightrun.estimate_async(MISTRAL, "A6000-48GB", 4_200_000, lora_rank=32), brightrun.estimate(
            MISTRAL, "A6000-48GB", 4_200_000, lora_rank=32
        )

    async_result, sync_result = asyncio.run(both())
    assert async_result == sync_result


def test_errors_are_raised_by_await_with_their_code() -> None:
    async def bad() -> brightrun.Estimate:
        return await brightrun.estimate_async(MISTRAL, "RTX-4090", 1_000_000)

    with pytest.raises(brightrun.CatalogError) as caught:
        asyncio.run(bad())
    assert caught.value.code == "unknown_gpu"


def test_input_errors_are_raised_at_await_too() -> None:
    async def bad() -> brightrun.Estimate:
        return await brightrun.estimate_async(MISTRAL, "A100-80GB", 1, quantization="3bit")  # type: ignore[arg-type]

    with pytest.raises(brightrun.HyperparameterError):
        asyncio.run(bad())


def test_many_estimates_run_concurrently() -> None:
    async def many() -> list[brightrun.Estimate]:
        return await asyncio.gather(*(brightrun.estimate_async(MISTRAL, "A6000-48GB", n) for n in range(1, 41)))

    results = asyncio.run(many())
    assert [r.tokens.per_epoch for r in results] == list(range(1, 41))


def test_the_native_awaitable_needs_a_running_loop_but_the_wrapper_does_not() -> None:
    with pytest.raises(RuntimeError, match="no running event loop"):
        _native.estimate_async(json.dumps({"base_model": MISTRAL, "gpu": "A6000-48GB", "tokens": 1}))
    coroutine = brightrun.estimate_async(MISTRAL, "A6000-48GB", 1)  # creating it is fine
    coroutine.close()


def test_a_cancelled_estimate_leaves_the_loop_healthy() -> None:
    async def cancel_then_estimate() -> brightrun.Estimate:
        task = asyncio.create_task(brightrun.estimate_async(MISTRAL, "A6000-48GB", 1_000))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.05)  # the abandoned result arrives and is dropped
        return await brightrun.estimate_async(MISTRAL, "A6000-48GB", 2_000)

    assert asyncio.run(cancel_then_estimate()).tokens.per_epoch == 2_000


def test_the_interpreter_exits_cleanly_right_after_an_async_estimate() -> None:
    # A result handed over while the interpreter finalises used to abort the process.
    script = (
        "import asyncio, brightrun\n"
        "async def main():\n"
        "    return await brightrun.estimate_async('mistralai/Mistral-7B-v0.1', 'A6000-48GB', 1000)\n"
        "for _ in range(3): asyncio.run(main())\n"
        "print('done')\n"
    )
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
        assert (done.returncode, done.stdout.strip()) == (0, "done"), done.stderr


def _estimate_in_child(queue: multiprocessing.Queue[int]) -> None:
    async def main() -> brightrun.Estimate:
        return await brightrun.estimate_async(MISTRAL, "A6000-48GB", 777)

    queue.put(asyncio.run(main()).tokens.per_epoch)


def test_a_forked_child_gets_its_own_runtime() -> None:
    async def warm_up() -> brightrun.Estimate:
        return await brightrun.estimate_async(MISTRAL, "A6000-48GB", 1)

    asyncio.run(warm_up())  # the parent's runtime exists before the fork
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[int] = context.Queue()
    child = context.Process(target=_estimate_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 777
