"""The worker as a RunPod serverless handler: ``python -m brightrun_trainer.runpod_handler``.

A RunPod job's ``input`` is the worker spec (protocol v1). The handler runs the worker
(``python -m brightrun_trainer --spec-env BRIGHTRUN_SPEC``) as a child process and yields
each protocol event it prints, as it prints it (a JSON object with its ``seq``): RunPod
serves them through ``/stream``, each once. They are not aggregated into the final output
(a long run's events could pass RunPod's result size). Log lines go to stderr, RunPod's
worker log.

The worker's own terminal event decides: anything but ``completed`` followed by exit 0
raises, so RunPod reports the job FAILED, never COMPLETED with a failed output. When RunPod
stops the job (``/cancel``, its execution timeout), the SDK cancels the handler's task: the
worker gets SIGTERM (it stops after its current step and saves a partial adapter), is waited
for up to ``BRIGHTRUN_CANCEL_GRACE_S`` seconds (default 60), then killed, and the
cancellation goes on.

The handler is an async generator so that the SDK's stop-signal poller keeps running while
the worker trains (a plain generator would block its event loop between two lines).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

from brightrun_trainer.protocol import EVENT_NAMES

#: The environment variable the worker reads its spec from.
SPEC_VAR = "BRIGHTRUN_SPEC"
#: Seconds a stopped worker gets to save its partial adapter before it is killed.
GRACE_VAR = "BRIGHTRUN_CANCEL_GRACE_S"
TERMINAL_EVENTS = frozenset({"completed", "failed", "cancelled"})
#: Longest line read from the worker (a protocol event is far shorter).
LINE_LIMIT = 1 << 20


class WorkerFailed(RuntimeError):
    """The worker did not complete: RunPod reports the job FAILED with this message."""


def parse_event(line: str) -> dict[str, Any] | None:
    """The protocol event a stdout line holds, or ``None`` for a log line."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(value, dict) and value.get("v") == 1 and value.get("event") in EVENT_NAMES:
        return value
    return None


def worker_command() -> list[str]:
    """The worker's command line: this interpreter running the trainer."""
    return [sys.executable, "-m", "brightrun_trainer", "--spec-env", SPEC_VAR]


def failure_message(terminal: dict[str, Any] | None, code: int) -> str:
    """Why a worker that did not complete failed, with its exit code (``exit code N``)."""
    if terminal is not None and terminal.get("event") == "failed":
        return f"{terminal.get('error_type', 'internal')}: {terminal.get('message', '')} (exit code {code})"
    if terminal is not None and terminal.get("event") == "cancelled":
        return f"the worker was stopped before it completed (exit code {code})"
    if code < 0:
        return f"the worker was killed by signal {-code} before it completed (exit code {code})"
    return f"the worker exited without completing (exit code {code})"


async def stop(process: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM to the worker's process group, SIGKILL after ``grace`` seconds."""
    if process.returncode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), grace)
    except ProcessLookupError:
        return
    except asyncio.TimeoutError:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        await process.wait()


async def handler(job: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Runs the worker on ``job["input"]`` and yields its protocol events."""
    spec = job.get("input")
    if not isinstance(spec, dict):
        raise WorkerFailed(f"bad_spec: the job's input is not a worker spec object but {type(spec).__name__}")
    env = dict(os.environ)
    env[SPEC_VAR] = json.dumps(spec)
    env["BRIGHTRUN_JOB_ID"] = str(spec.get("job_id", ""))
    process = await asyncio.create_subprocess_exec(
        *worker_command(),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
        start_new_session=True,
    )
    grace = float(os.environ.get(GRACE_VAR, "60"))
    terminal: dict[str, Any] | None = None
    try:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            event = parse_event(line)
            if event is None:
                if line:
                    print(line, file=sys.stderr, flush=True)
                continue
            if event["event"] in TERMINAL_EVENTS:
                terminal = event
            yield event
        code = await process.wait()
    except BaseException:
        # Cancelled by RunPod (CancelledError), or the consumer went away: the worker must
        # not train on unobserved.
        await asyncio.shield(stop(process, grace))
        raise
    if code != 0 or terminal is None or terminal.get("event") != "completed":
        raise WorkerFailed(failure_message(terminal, code))


def main() -> None:
    """Starts the RunPod worker loop (or, with ``--rp_serve_api``, the SDK's local API)."""
    import runpod  # type: ignore[import-not-found, import-untyped, unused-ignore]

    runpod.serverless.start({"handler": handler})


if __name__ == "__main__":
    main()
