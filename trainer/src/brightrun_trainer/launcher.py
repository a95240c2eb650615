"""The data-parallel launcher: one worker, N training processes, one stream of events.

With a spec asking ``gpus`` N > 1 the worker process trains nothing itself. It starts N
copies of itself as the ranks of a ``torch.distributed`` group (``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` as torchrun sets them, and a rendezvous file of its own, so no port is
needed) and stays between them and the backend:

- **One protocol stream.** Rank 0's events are copied to this process's stdout, in order
  and unchanged; any other line a rank prints goes to stderr (the worker log) with its rank
  in front. Other ranks emit only a ``failed`` event, which is read, never copied to stdout.
- **Cancel.** SIGTERM or SIGINT is passed on to every rank; the ranks agree on the step to
  stop after, rank 0 saves the partial adapter and the worker exits 143, as one process does.
- **Failure.** The first rank that exits with a failure (any code but 0 and 143) fails the
  run: the others are killed at once (they cannot go on without it), and the worker exits
  with that rank's code, reporting its ``failed`` event (``rank N: ...``) unless rank 0
  failed first. A rank killed by a signal counts as code 128 + the signal.

It imports no torch: the ranks do.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from brightrun_trainer import exit_codes
from brightrun_trainer.distributed import INIT_VAR, OUTPUT_DIR_VAR
from brightrun_trainer.protocol import EventWriter

POLL_SECONDS = 0.1
SUCCESS_CODES = (exit_codes.COMPLETED, exit_codes.CANCELLED)
OUTCOMES = {"completed": exit_codes.COMPLETED, "cancelled": exit_codes.CANCELLED}


@dataclass
class Failure:
    """The first rank that failed, and what it said."""

    rank: int
    code: int
    event: dict[str, Any] | None = None


@dataclass
class Ranks:
    """The running ranks and what the launcher learned from their output."""

    processes: list[subprocess.Popen[bytes]]
    events: EventWriter
    failed_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (rank, exit code) in the order the ranks ended.
    exits: list[tuple[int, int]] = field(default_factory=list)
    # The exit code rank 0's ``completed`` or ``cancelled`` event stands for, once seen.
    outcome: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def signal_all(self, signum: int) -> None:
        """Sends ``signum`` to every rank still running."""
        for process in self.processes:
            if process.poll() is None:
                try:
                    process.send_signal(signum)
                except ProcessLookupError:
                    pass

    def follow(self, rank: int, stream: IO[bytes]) -> None:
        """Relays one rank's stdout until it ends, then records how the rank exited."""
        try:
            for raw in stream:
                self.relay(rank, raw.decode("utf-8", errors="replace").rstrip("\n"))
        finally:
            code = _exit_code(self.processes[rank].wait())
            with self.lock:
                self.exits.append((rank, code))

    def relay(self, rank: int, line: str) -> None:
        """Rank 0's events go to stdout, other lines to stderr; ``failed`` events are kept."""
        event = _event(line)
        with self.lock:
            if event is not None and event["event"] == "failed":
                # Held back: which rank's failure is reported is decided at the end.
                self.failed_events.setdefault(rank, event)
            elif event is not None and rank == 0:
                self.events.forward(event)
                self.outcome = OUTCOMES.get(event["event"], self.outcome)
            else:
                sys.stderr.write(f"rank {rank}: {line}\n")
                sys.stderr.flush()

    def first_failure(self) -> Failure | None:
        """The first rank to end with a failure, so far."""
        with self.lock:
            return next((Failure(rank, code) for rank, code in self.exits if code not in SUCCESS_CODES), None)


def _event(line: str) -> dict[str, Any] | None:
    """A protocol event, or None for a log line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(record, dict) and isinstance(record.get("seq"), int) and isinstance(record.get("event"), str):
        return record
    return None


def _exit_code(returncode: int) -> int:
    """A child's exit code, 128 + the signal for one a signal ended."""
    return 128 - returncode if returncode < 0 else returncode


def _forward_signals(ranks: Ranks) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        ranks.signal_all(signum)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _wait(ranks: Ranks, threads: list[threading.Thread]) -> Failure | None:
    """Waits for every rank; kills the rest when one fails. Returns the first failure (the
    first rank to end with one: a rank that dies makes the others fail soon after)."""
    killed = False
    while any(thread.is_alive() for thread in threads):
        if not killed and ranks.first_failure() is not None:
            ranks.signal_all(signal.SIGKILL)
            killed = True
        time.sleep(POLL_SECONDS)
    return ranks.first_failure()


def _report(failure: Failure, ranks: Ranks) -> None:
    """Emits the run's one ``failed`` event."""
    event = ranks.failed_events.get(failure.rank)
    if failure.rank == 0 and event is not None:
        ranks.events.forward(event)
        return
    if event is not None:
        error_type, message = event.get("error_type", "internal"), f"rank {failure.rank}: {event.get('message', '')}"
    else:
        error_type = "rank_failed"
        how = f"was killed by signal {failure.code - 128}" if failure.code > 128 else f"exited with code {failure.code}"
        message = f"rank {failure.rank} of {len(ranks.processes)} {how} without a word: see the worker log"
    ranks.events.emit("failed", error_type=error_type, message=message)


def run_ranks(world: int, argv: list[str], output_dir: Path, events: EventWriter) -> int:
    """Runs the worker (``argv``: its own arguments) as ``world`` ranks; the exit code."""
    rendezvous = tempfile.mkdtemp(prefix="brightrun-ddp-")
    base = {
        **os.environ,
        INIT_VAR: Path(rendezvous, "store").as_uri(),
        OUTPUT_DIR_VAR: str(output_dir),
        "WORLD_SIZE": str(world),
    }
    # As torchrun does: ranks share the machine's cores rather than each taking all of them
    # (on a CPU, N ranks with every core each run several times slower than with their share).
    base.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // world)))
    processes: list[subprocess.Popen[bytes]] = []
    ranks = Ranks(processes=processes, events=events)
    _forward_signals(ranks)
    threads: list[threading.Thread] = []
    try:
        for rank in range(world):
            env = {**base, "RANK": str(rank), "LOCAL_RANK": str(rank)}
            process = subprocess.Popen(
                [sys.executable, "-m", "brightrun_trainer", *argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                env=env,
            )
            processes.append(process)
            assert process.stdout is not None
            thread = threading.Thread(target=ranks.follow, args=(rank, process.stdout), daemon=True)
            thread.start()
            threads.append(thread)
        failure = _wait(ranks, threads)
        if failure is None:
            return _exit_code(processes[0].returncode)
        if ranks.outcome is None:
            _report(failure, ranks)
            return failure.code
        # Rank 0 had saved and reported the run when another rank failed on its way out.
        sys.stderr.write(f"rank {failure.rank} exited with code {failure.code} after the run ended\n")
        return ranks.outcome
    finally:
        ranks.signal_all(signal.SIGKILL)
        for process in processes:
            process.wait()
        shutil.rmtree(rendezvous, ignore_errors=True)
