"""Estimate a LoRA fine-tuning job from Python: duration, cost and GPU memory.

Run: python examples/python/estimate.py  (after `pip install ./bindings-python`)
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import brightrun


def main() -> None:
    print("Presets:", ", ".join(p.name for p in brightrun.presets()))
    cheapest = min(brightrun.gpus(), key=lambda g: g.default_price_per_hour)
    print(f"Cheapest GPU: {cheapest.name} at ${cheapest.default_price_per_hour}/h")

    estimate = brightrun.estimate(
        "mistralai/Mistral-7B-v0.1",
        "A6000-48GB",
        tokens=4_200_000,
        examples=2_000,
        dataset_bytes=9_500_000,
        lora_rank=32,
    )
    cost: Decimal = estimate.cost.total
    print(
        f"{estimate.base_model}: {estimate.duration_hours.expected:.2f} h expected, "
        f"${cost.quantize(Decimal('0.01'))}, {estimate.memory.required_gb:.1f} of "
        f"{estimate.memory.available_gb:.0f} GiB ({'fits' if estimate.memory.fits else 'does not fit'})"
    )
    for warning in estimate.warnings:
        print(f"warning[{warning.code}]: {warning.message}")

    try:
        brightrun.estimate("meta-llama/Meta-Llama-3-70B", "RTX-4090", tokens=1_000_000)
    except brightrun.CatalogError as error:
        print(f"error[{error.code}]")

    # In an async application, await the async variant instead.
    big = asyncio.run(
        brightrun.estimate_async("meta-llama/Meta-Llama-3-70B", "H100-80GB", tokens=10_000_000, quantization="4bit")
    )
    print(f"Llama 3 70B in 4 bit on one H100: {big.memory.required_gb:.1f} GiB, fits: {big.memory.fits}")


if __name__ == "__main__":
    main()
