"""``BrightRun`` and ``AsyncBrightRun``: the whole lifecycle over the core service.

Both open the same native client (``brightrun._native.Client``): the core service, and in
the embedded default an orchestrator in the background that validates datasets and
trains jobs while the client is open. Every call is scoped to one user
(:meth:`BrightRun.for_user`); results are the generated types of ``brightrun._types``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
import time
import weakref
from types import TracebackType
from typing import Any, TypeVar

from . import _native
from ._errors import BrightRunError, InvalidRequestError
from ._ops import Op
from ._resources import AsyncCosts, AsyncDatasets, AsyncJobs, AsyncModels, AsyncNotifications
from ._resources import Costs, Datasets, Jobs, Models, Notifications

T = TypeVar("T")

LOCAL_USER = "00000000-0000-4000-8000-627269676874"
"""The one user of the embedded default: the CLI's rows (``brightrun jobs`` and so on)."""

_ENV_HOME = "BRIGHTRUN_HOME"
_ENV_DATABASE = "BRIGHTRUN_DATABASE_URL"
_ENV_STORAGE = "BRIGHTRUN_STORAGE_URL"
_ENV_RUN_WORKER = "BRIGHTRUN_RUN_WORKER"
_ENV_WORKER_COMMAND = "BRIGHTRUN_WORKER"


def _open(
    home: str | os.PathLike[str] | None, database_url: str | None, storage_url: str | None, worker: bool | None
) -> tuple[_native.Client, bool]:
    """The native client, with its background orchestrator started when asked."""
    options: dict[str, Any] = {
        "home": os.fspath(home) if home is not None else None,
        "database_url": database_url,
        "storage_url": storage_url,
    }
    if os.environ.get(_ENV_WORKER_COMMAND) is None and importlib.util.find_spec("brightrun_trainer") is not None:
        # The reference trainer installed next to this package runs with this Python.
        options["worker_command"] = [sys.executable, "-m", "brightrun_trainer"]
    native = _native.Client(json.dumps({k: v for k, v in options.items() if v is not None}))
    run_worker = worker if worker is not None else database_url is None or database_url.startswith("sqlite:")
    if run_worker:
        native.start_worker()
    return native, run_worker


def _env_worker() -> bool | None:
    text = os.environ.get(_ENV_RUN_WORKER)
    if text is None or text == "":
        return None
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise InvalidRequestError(f"{_ENV_RUN_WORKER}={text!r} is not a boolean (1/0, true/false)", "invalid_worker")


class _Base:
    """What both clients share: the native client, the user, the open/closed state."""

    def __init__(self, native: _native.Client, user: str, owner: bool) -> None:
        self._native = native
        self._user = user
        self._owner = owner
        self._closed = False
        if owner:
            # A client dropped (or left open at exit) stops its orchestrator cleanly too.
            weakref.finalize(self, native.stop_worker)

    @property
    def user_id(self) -> str:
        """The user every call of this client is scoped to."""
        return self._user

    @property
    def worker_running(self) -> bool:
        """Whether the background orchestrator runs in this process."""
        return self._native.worker_running()

    def _check_open(self) -> None:
        if self._closed:
            raise BrightRunError("this BrightRun client is closed", "client_closed")

    def _describe(self) -> dict[str, Any]:
        described: dict[str, Any] = json.loads(self._native.describe())
        return described

    def __repr__(self) -> str:
        d = self._describe()
        return f"{type(self).__name__}(home={d['home']!r}, database={d['database']!r}, user_id={self._user!r})"


class BrightRun(_Base):
    """A BrightRun client: datasets, jobs, models, costs and notifications of one user.

    ``BrightRun()`` opens the embedded default: ``$BRIGHTRUN_HOME`` (or ``~/.brightrun``)
    with SQLite, local files and the local trainer, and runs the orchestrator in the
    background while the client is open, so ``jobs.create`` then ``jobs.wait`` trains with
    nothing else started. With a production ``database_url`` the orchestrator runs
    elsewhere (``brightrun worker``, or :meth:`run_worker`) unless ``worker=True``.

    Args:
        home: Another home than ``$BRIGHTRUN_HOME``.
        database_url: ``sqlite://PATH`` or ``postgres://...`` instead of the home's database.
        storage_url: A directory or ``s3://bucket?endpoint=...`` instead of the home's storage.
        worker: Run the orchestrator in the background; the default is ``True`` on SQLite
            and ``False`` on PostgreSQL.

    Use it as a context manager, or call :meth:`close`.
    """

    datasets: Datasets
    jobs: Jobs
    models: Models
    costs: Costs
    notifications: Notifications

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        storage_url: str | None = None,
        worker: bool | None = None,
    ) -> None:
        native, _ = _open(home, database_url, storage_url, worker)
        self._setup(native, LOCAL_USER, owner=True)

    def _setup(self, native: _native.Client, user: str, owner: bool) -> None:
        _Base.__init__(self, native, user, owner)
        self.datasets = Datasets(self)
        self.jobs = Jobs(self)
        self.models = Models(self)
        self.costs = Costs(self)
        self.notifications = Notifications(self)

    @classmethod
    def from_env(cls) -> BrightRun:
        """A client configured by ``BRIGHTRUN_HOME``, ``BRIGHTRUN_DATABASE_URL``,
        ``BRIGHTRUN_STORAGE_URL`` and ``BRIGHTRUN_RUN_WORKER`` (1 or 0)."""
        return cls(
            home=os.environ.get(_ENV_HOME) or None,
            database_url=os.environ.get(_ENV_DATABASE) or None,
            storage_url=os.environ.get(_ENV_STORAGE) or None,
            worker=_env_worker(),
        )

    def for_user(self, user_id: str) -> BrightRun:
        """The same client scoped to another user (a UUID): it sees only that user's rows.
        It shares this client's connection and background worker; close this one when done."""
        view = object.__new__(BrightRun)
        view._setup(self._native, str(user_id), owner=False)
        return view

    def _run(self, op: Op[T]) -> T:
        self._check_open()
        return op.read(json.loads(self._native.call(op.method, self._user, op.args_json())))

    def run_worker(self, poll_interval: float = 0.5) -> None:
        """Runs the orchestrator until Ctrl-C (``KeyboardInterrupt`` is raised after it
        stopped cleanly): what ``brightrun worker`` does, inside this process."""
        self._check_open()
        self._native.start_worker()
        try:
            while self._native.worker_running():
                time.sleep(poll_interval)
        finally:
            self._native.stop_worker()

    def close(self) -> None:
        """Stops the background orchestrator (after its pass in progress) and closes the
        client; running training jobs carry on and the next orchestrator follows them."""
        if self._closed:
            return
        self._closed = True
        if self._owner:
            self._native.stop_worker()

    def __enter__(self) -> BrightRun:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncBrightRun(_Base):
    """:class:`BrightRun` with ``await``: the same resources and arguments, every call a
    coroutine that runs on the binding's own runtime and never blocks the event loop.
    Use ``async with AsyncBrightRun() as br:`` or ``await br.close()``."""

    datasets: AsyncDatasets
    jobs: AsyncJobs
    models: AsyncModels
    costs: AsyncCosts
    notifications: AsyncNotifications

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        storage_url: str | None = None,
        worker: bool | None = None,
    ) -> None:
        native, _ = _open(home, database_url, storage_url, worker)
        self._setup(native, LOCAL_USER, owner=True)

    def _setup(self, native: _native.Client, user: str, owner: bool) -> None:
        _Base.__init__(self, native, user, owner)
        self.datasets = AsyncDatasets(self)
        self.jobs = AsyncJobs(self)
        self.models = AsyncModels(self)
        self.costs = AsyncCosts(self)
        self.notifications = AsyncNotifications(self)

    @classmethod
    def from_env(cls) -> AsyncBrightRun:
        """See :meth:`BrightRun.from_env`."""
        return cls(
            home=os.environ.get(_ENV_HOME) or None,
            database_url=os.environ.get(_ENV_DATABASE) or None,
            storage_url=os.environ.get(_ENV_STORAGE) or None,
            worker=_env_worker(),
        )

    def for_user(self, user_id: str) -> AsyncBrightRun:
        """See :meth:`BrightRun.for_user`."""
        view = object.__new__(AsyncBrightRun)
        view._setup(self._native, str(user_id), owner=False)
        return view

    async def _run(self, op: Op[T]) -> T:
        self._check_open()
        return op.read(json.loads(await self._native.call_async(op.method, self._user, op.args_json())))

    async def run_worker(self, poll_interval: float = 0.5) -> None:
        """Runs the orchestrator until the task is cancelled."""
        self._check_open()
        self._native.start_worker()
        try:
            while self._native.worker_running():
                await asyncio.sleep(poll_interval)
        finally:
            await asyncio.to_thread(self._native.stop_worker)

    async def close(self) -> None:
        """See :meth:`BrightRun.close`."""
        if self._closed:
            return
        self._closed = True
        if self._owner:
            await asyncio.to_thread(self._native.stop_worker)

    async def __aenter__(self) -> AsyncBrightRun:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
