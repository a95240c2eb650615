"""Stubs of the private native module ``brightrun._native`` (Rust, PyO3).

Every function returns the core's JSON text, the same the CLI prints with ``--json``;
``brightrun`` parses it into dataclasses. ``estimate`` takes its options as a JSON object
(the core's ``FlatEstimateOptions``: ``brightrun._api._Options``). Errors are
``brightrun._errors`` exceptions.
"""

import asyncio

__all__ = ["base_models", "estimate", "estimate_async", "gpus", "presets"]

def presets() -> str:
    """The hyperparameter presets, as the JSON of ``brightrun presets --json``."""

def gpus() -> str:
    """The GPU catalog, as the JSON of ``brightrun gpus --json``."""

def base_models() -> str:
    """The base-model catalog, as the JSON of ``brightrun base-models --json``."""

def estimate(options: str) -> str:
    """An estimate, as the JSON of ``brightrun estimate --json``; releases the GIL meanwhile.
    Raises ``TypeError`` when the JSON does not have the options' shape."""

def estimate_async(options: str) -> asyncio.Future[str]:
    """An ``asyncio`` future of :func:`estimate`'s JSON, computed on the binding's runtime.
    Raises ``RuntimeError`` when no event loop is running."""
