"""Stubs of the private native module ``brightrun._native`` (Rust, PyO3).

Every function returns the core's JSON text, the same the CLI prints with ``--json``;
``brightrun`` parses it into dataclasses. ``estimate`` takes its options as a JSON object
(the core's ``FlatEstimateOptions``: ``brightrun._api._Options``), ``validate`` and
``convert`` theirs (``FlatValidateOptions``, ``FlatConvertOptions``). Errors are
``brightrun._errors`` exceptions.
"""

import asyncio
import os
from collections.abc import Callable
from typing import final

__all__ = [
    "Client",
    "base_models",
    "convert",
    "convert_async",
    "estimate",
    "estimate_async",
    "gpus",
    "hyperparameters",
    "presets",
    "validate",
    "validate_async",
]

_Path = str | os.PathLike[str]
_Progress = Callable[[int, int], object]

def presets() -> str:
    """The hyperparameter presets, as the JSON of ``brightrun presets --json``."""

def gpus() -> str:
    """The GPU catalog, as the JSON of ``brightrun gpus --json``."""

def base_models() -> str:
    """The base-model catalog, as the JSON of ``brightrun base-models --json``."""

def hyperparameters() -> str:
    """The hyperparameters a job may set, as the JSON of ``brightrun hyperparameters --json``."""

def estimate(options: str) -> str:
    """An estimate, as the JSON of ``brightrun estimate --json``; releases the GIL meanwhile.
    Raises ``TypeError`` when the JSON does not have the options' shape."""

def estimate_async(options: str) -> asyncio.Future[str]:
    """An ``asyncio`` future of :func:`estimate`'s JSON, computed on the binding's runtime.
    Raises ``RuntimeError`` when no event loop is running."""

def validate(source: _Path | bytes, options: str, progress: _Progress | None = None) -> str:
    """A validation report, as the JSON of ``brightrun validate --json``; releases the GIL
    meanwhile. ``progress(bytes_read, total_bytes)`` is called at most every 100 ms; an
    exception it raises is raised after the validation."""

def validate_async(source: _Path | bytes, options: str, progress: _Progress | None = None) -> asyncio.Future[str]:
    """An ``asyncio`` future of :func:`validate`'s JSON, computed on the binding's runtime."""

def convert(source: _Path | bytes, out_dir: _Path, options: str, progress: _Progress | None = None) -> str:
    """A conversion summary, as the JSON of ``brightrun convert --json``; releases the GIL."""

def convert_async(
    source: _Path | bytes, out_dir: _Path, options: str, progress: _Progress | None = None
) -> asyncio.Future[str]:
    """An ``asyncio`` future of :func:`convert`'s JSON, computed on the binding's runtime."""

@final
class Client:
    """An open BrightRun: the core service and, while it runs, a background orchestrator.

    ``options`` is a JSON object: ``home``, ``database_url``, ``storage_url`` and
    ``worker_command``, each optional (the environment's configuration otherwise)."""

    def __new__(cls, options: str) -> Client: ...
    def describe(self) -> str:
        """The service's parts as JSON: home, database, storage URL, worker command."""

    def call(self, method: str, user: str, args: str) -> str:
        """Runs a service operation (``"datasets.list"``, ...) for ``user`` with ``args``
        as a JSON object; returns the core's JSON. Releases the GIL meanwhile."""

    def call_async(self, method: str, user: str, args: str) -> asyncio.Future[str]:
        """An ``asyncio`` future of :meth:`call`'s JSON, computed on the binding's runtime."""

    def start_worker(self) -> None:
        """Starts the background orchestrator unless it runs."""

    def worker_running(self) -> bool:
        """Whether the background orchestrator runs."""

    def stop_worker(self) -> None:
        """Stops the background orchestrator after its pass in progress and waits for it."""

    def run_once(self) -> str:
        """One orchestrator pass; its counts as JSON."""
