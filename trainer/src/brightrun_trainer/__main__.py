"""``brightrun-trainer --spec job.json``: run one training job, speaking protocol v1."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from brightrun_trainer import exit_codes
from brightrun_trainer.cancel import CancelFlag
from brightrun_trainer.errors import WorkerError
from brightrun_trainer.protocol import EventWriter
from brightrun_trainer.spec import load_spec


def main(argv: list[str] | None = None) -> int:
    """Runs the worker; returns the protocol exit code."""
    parser = argparse.ArgumentParser(prog="brightrun-trainer", description=__doc__)
    parser.add_argument("--spec", type=Path, required=True, help="path of the job spec JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    events = EventWriter()
    cancel = CancelFlag()
    cancel.install()
    try:
        spec = load_spec(args.spec)
        from brightrun_trainer.train import run

        return run(spec, events, cancel)
    except WorkerError as error:
        events.emit("failed", error_type=error.error_type, message=str(error))
        return error.exit_code
    except Exception as error:  # noqa: BLE001 - every failure must reach the control plane as an event
        logging.exception("training failed")
        events.emit("failed", error_type="internal", message=f"{type(error).__name__}: {error}")
        return exit_codes.OTHER_FAILURE


if __name__ == "__main__":
    sys.exit(main())
