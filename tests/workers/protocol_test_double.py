#!/usr/bin/env python3
"""A TEST DOUBLE of the training worker: it speaks worker protocol v1 without training.

The orchestrator tests launch it in place of `brightrun-trainer` to drive every path of a
job's life quickly and deterministically: `protocol_test_double.py --scenario NAME --spec
PATH`, where NAME is one of:

- `success`: 4 metric steps with a falling loss, one eval, the adapter files, completed.
- `fail-<code>`: a `failed` event, then exit with that code (2 bad spec, 3 dataset, ...).
- `oom`: a `failed` event of type `out_of_memory`, exit 4.
- `malformed`: the success story, with non-JSON lines, a broken event, and every event
  printed twice (the reader must drop the duplicates by `seq`).
- `crash`: two metrics, then exit 1 without a `failed` event.
- `slow`: metrics every 50 ms until SIGTERM; then a partial adapter and `cancelled`, 143.
- `no-completed`: the success story without the `completed` event, exit 0.
- `bad-sha`: the success story with an artifact whose announced sha256 is wrong.
- `wait`: like success, but waits for a file `release` beside the spec before finishing
  (tests restart the orchestrator meanwhile).
- `hostile`: metrics with counts no run has (2^64 - 1 steps, 1e11 total steps), huge and
  negative floats, a NaN (not JSON: a log line), then waits for `release` and succeeds.
- `flood`: the success story with 20 MiB of log lines (and its metrics) printed before the
  adapter: more than an orchestrator reads in one pass, so the verdict must read to the end.
- `environment`: the success story, after writing its environment variables to
  `environment.json` beside the spec (tests check what reaches a worker).
- `plan:ATTEMPT,ATTEMPT,...`: one story per attempt of the job (the spec's `attempt`; the
  last one repeats), each `END:STEPS[:wait]`: STEPS metric steps 10 ms apart, then (with
  `wait`) a wait for `release` beside the spec, then END: `success` (the adapter and
  `completed`, exit 0), `crash` (exit 1, no event: retried), `fail` (a `dataset_error`,
  exit 3: not retried) or `hold` (keeps running until SIGTERM). On SIGTERM at any point it
  saves a partial adapter, prints `cancelled` and exits 143. It gives up after 60 s.

`--record FILE` appends one line `JOB_ID ATTEMPT PID` to FILE when the double starts, so a
test can count the workers each attempt got. Every run writes `dataset.json` beside the spec:
the conversations of its train and validation files and their sha256, so a test can tell
what the worker was given to train on.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

seq = 0
duplicate = False


def emit(event: str, **fields: object) -> None:
    global seq
    seq += 1
    line = json.dumps(
        {"v": 1, "seq": seq, "ts": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "event": event, **fields}
    )
    print(line, flush=True)
    if duplicate:
        print(line, flush=True)


def write_adapter(out: Path, corrupt_sha: bool) -> None:
    adapter = out / "adapter"
    adapter.mkdir(parents=True, exist_ok=True)
    files = {
        "adapter_model.safetensors": b"test double weights, not a real adapter",
        "adapter_config.json": json.dumps({"base_model_name_or_path": "test-double", "r": 8}).encode(),
    }
    for name, data in files.items():
        (adapter / name).write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        if corrupt_sha and name == "adapter_model.safetensors":
            sha = "0" * 64
        emit("artifact", name=name, bytes=len(data), sha256=sha, path=str(adapter / name))


def metrics(steps: int, total: int) -> None:
    for step in range(1, steps + 1):
        emit("metric", step=step, total_steps=total, epoch=step / total * 2, loss=3.0 / step,
             learning_rate=1e-4, grad_norm=1.0, tokens_per_second=1000.0)


def run_plan(plan: list[str], spec: dict, spec_path: Path, out: Path) -> int:
    attempt = int(spec.get("attempt", 0))
    end, steps, *flags = plan[min(attempt, len(plan) - 1)].split(":")
    steps = int(steps)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    deadline = time.monotonic() + 60
    step = 0
    while step < steps and not stop["now"]:
        step += 1
        emit("metric", step=step, total_steps=max(steps, 1), epoch=step / max(steps, 1), loss=3.0 / step,
             learning_rate=1e-4, grad_norm=1.0, tokens_per_second=1000.0)
        time.sleep(0.01)
    while "wait" in flags and not stop["now"] and not (spec_path.parent / "release").exists():
        if time.monotonic() > deadline:
            return 1
        time.sleep(0.02)
    while end == "hold" and not stop["now"]:
        if time.monotonic() > deadline:
            return 1
        time.sleep(0.02)
    if stop["now"]:
        write_adapter(out, corrupt_sha=False)
        emit("cancelled", step=step, total_steps=steps, partial_adapter=True)
        return 143
    if end == "crash":
        return 1
    if end == "fail":
        emit("failed", error_type="dataset_error", message="test double: the plan says this attempt fails")
        return 3
    emit("eval", step=step, epoch=1, eval_loss=1.1)
    emit("phase", phase="saving")
    write_adapter(out, corrupt_sha=False)
    emit("completed", steps=step, epochs=1, train_loss=0.75, eval_loss=1.1, tokens=1000 * step, duration_seconds=0.1)
    return 0


def main() -> int:
    global duplicate
    spec_path = Path(sys.argv[sys.argv.index("--spec") + 1])
    spec = json.loads(spec_path.read_text())
    scenario = sys.argv[sys.argv.index("--scenario") + 1]
    out = Path(spec["output"]["dir"])
    if "--record" in sys.argv:
        record = Path(sys.argv[sys.argv.index("--record") + 1])
        with record.open("a", encoding="utf-8") as starts:
            starts.write(f"{spec['job_id']} {spec.get('attempt', 0)} {os.getpid()}\n")
    duplicate = scenario == "malformed"
    given = {}
    for split in ("train", "validation"):
        path = spec.get("dataset", {}).get(split)
        if path and Path(path).exists():
            data = Path(path).read_bytes()
            given[split] = {"conversations": len(data.splitlines()), "sha256": hashlib.sha256(data).hexdigest()}
    (spec_path.parent / "dataset.json").write_text(json.dumps(given))
    emit("phase", phase="loading")
    emit("started", job_id=spec["job_id"], total_steps=4, epochs=2, device="cpu", train_examples=8)
    if scenario == "environment":
        (spec_path.parent / "environment.json").write_text(json.dumps(dict(os.environ)))
    if scenario.startswith("plan:"):
        return run_plan(scenario.removeprefix("plan:").split(","), spec, spec_path, out)
    if scenario.startswith("fail-"):
        emit("failed", error_type="test_failure", message=f"test double failing with {scenario}")
        return int(scenario.removeprefix("fail-"))
    if scenario == "oom":
        emit("failed", error_type="out_of_memory", message="out of GPU memory: lower batch_size")
        return 4
    if scenario == "crash":
        metrics(2, 4)
        return 1
    if scenario == "slow":
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        step = 0
        while not stop["now"]:
            step += 1
            emit("metric", step=step, total_steps=1000, epoch=step / 500, loss=2.0, learning_rate=1e-4,
                 grad_norm=1.0, tokens_per_second=500.0)
            time.sleep(0.05)
        write_adapter(out, corrupt_sha=False)
        emit("cancelled", step=step, total_steps=1000, partial_adapter=True)
        return 143
    if scenario == "malformed":
        print("Loading checkpoint shards: 100%", flush=True)
        print('{"v":1,"seq":"broken"', flush=True)
    if scenario == "hostile":
        emit("metric", step=1, total_steps=2**64 - 1, epoch=-5.0, loss=1e308, learning_rate=-1.0, grad_norm=1e308,
             tokens_per_second=0.0, gpu_utilization_percent=1e308)
        emit("metric", step=2**64 - 1, total_steps=2**64 - 1, epoch=1e308, loss=-1e308)
        emit("metric", step=2, total_steps=100_000_000_000, epoch=0.5, loss=float("nan"))
        emit("metric", step=2, total_steps=100_000_000_000, epoch=0.5, loss=2.0)
        emit("eval", step=2**64 - 2, eval_loss=1e308)
        while not (spec_path.parent / "release").exists():
            time.sleep(0.05)
        metrics(4, 4)
    elif scenario == "wait":
        metrics(2, 4)
        while not (spec_path.parent / "release").exists():
            time.sleep(0.05)
        emit("metric", step=3, total_steps=4, epoch=1.5, loss=1.0, learning_rate=1e-4, grad_norm=1.0,
             tokens_per_second=1000.0)
        emit("metric", step=4, total_steps=4, epoch=2.0, loss=0.75, learning_rate=1e-4, grad_norm=1.0,
             tokens_per_second=1000.0)
    elif scenario == "flood":
        line = "log " + "x" * 1019 + "\n"
        sys.stdout.write(line * 10 * 1024)
        metrics(4, 4)
        sys.stdout.write(line * 10 * 1024)
        sys.stdout.flush()
    else:
        metrics(4, 4)
    emit("eval", step=4, epoch=2, eval_loss=1.1)
    emit("phase", phase="saving")
    write_adapter(out, corrupt_sha=scenario == "bad-sha")
    if scenario != "no-completed":
        emit("completed", steps=4, epochs=2, train_loss=0.75, eval_loss=1.1, tokens=4000, duration_seconds=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
