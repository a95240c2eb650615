"""A panic in the native code is a brightrun.InternalError with code `internal`: an async call
raises it at `await` instead of leaving the awaitable pending for ever, a sync call raises it
instead of pyo3's PanicException (a BaseException that `except Exception` misses).

The panicking functions exist only in a build with the `test-hooks` feature (scripts/test
builds the test wheel with it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import cast

import pytest

import brightrun
from brightrun import _native

from conftest import under_ci

MISTRAL = "mistralai/Mistral-7B-v0.1"

panic_sync = cast("Callable[[str], str] | None", getattr(_native, "_panic", None))
panic_async = cast("Callable[[str], Awaitable[str]] | None", getattr(_native, "_panic_async", None))

HOOKS_MISSING = "brightrun built without the `test-hooks` feature (scripts/test builds with it)"
if (panic_sync is None or panic_async is None) and under_ci():
    raise AssertionError(HOOKS_MISSING)
pytestmark = pytest.mark.skipif(panic_sync is None or panic_async is None, reason=HOOKS_MISSING)


def test_a_panic_in_an_async_call_is_raised_at_await() -> None:
    assert panic_async is not None

    async def call() -> str:
        # A bound, not a timing check: without the fix the awaitable never completes.
        return await asyncio.wait_for(panic_async("async boom"), timeout=60)

    with pytest.raises(brightrun.InternalError) as caught:
        asyncio.run(call())
    assert caught.value.code == "internal"
    assert "async boom" in caught.value.message
    assert isinstance(caught.value, brightrun.BrightRunError) and isinstance(caught.value, RuntimeError)


def test_the_runtime_keeps_working_after_a_panic() -> None:
    assert panic_async is not None

    async def panic_then_estimate() -> brightrun.Estimate:
        results = await asyncio.gather(
            *(asyncio.wait_for(panic_async(f"boom {n}"), timeout=60) for n in range(8)), return_exceptions=True
        )
        assert all(isinstance(r, brightrun.InternalError) for r in results), results
        return await brightrun.estimate_async(MISTRAL, "A6000-48GB", 1_234)

    assert asyncio.run(panic_then_estimate()).tokens.per_epoch == 1_234


def test_a_panic_in_a_sync_call_is_an_internal_error() -> None:
    assert panic_sync is not None
    with pytest.raises(brightrun.InternalError) as caught:
        panic_sync("sync boom")
    assert caught.value.code == "internal" and "sync boom" in caught.value.message
