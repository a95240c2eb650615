"""Ctrl-C (SIGINT) stops a long client call cleanly: ``jobs.wait`` and ``run_worker`` raise
``KeyboardInterrupt`` promptly, the client closes (its orchestrator stopped) and the process
exits normally; the database is left usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from client_support import CHAT

SCRIPT = textwrap.dedent(
    """
    import sys
    from brightrun import BrightRun

    home, what = sys.argv[1], sys.argv[2]
    with BrightRun(home=home, worker=False) as br:
        try:
            if what == "wait":
                ds = br.datasets.create(sys.argv[3], name="interrupted")
                print("ready", flush=True)
                br.datasets.wait(ds.id, timeout=None)   # nothing validates it: waits until Ctrl-C
            else:
                print("ready", flush=True)
                br.run_worker(poll_interval=0.1)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    print("closed", br.worker_running, flush=True)
    """
)


@pytest.mark.parametrize("what", ["wait", "run_worker"])
def test_ctrl_c_interrupts_a_long_call_and_the_client_closes(tmp_path: Path, what: str) -> None:
    script = tmp_path / "interrupt.py"
    script.write_text(SCRIPT)
    home = tmp_path / "home"
    process = subprocess.Popen(
        [sys.executable, str(script), str(home), what, str(CHAT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.split() == ["interrupted", "closed", "False"], (out, err)
    # Nothing was left half-done: the home opens again and still holds the dataset.
    from brightrun import BrightRun

    with BrightRun(home=home, worker=False) as br:
        assert br.datasets.list().total == (1 if what == "wait" else 0)
