"""``brightrun-trainer --spec job.json``: run one training job, speaking protocol v1.

``--spec-env NAME`` reads the spec's JSON from the environment variable ``NAME`` instead:
how an engine that starts the worker on another machine (Ray) hands it over without a file.

A spec asking ``gpus`` N > 1 makes this process the launcher of N data-parallel ranks
(:mod:`brightrun_trainer.launcher`), each this same command run again with its rank in the
environment (:mod:`brightrun_trainer.distributed`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from brightrun_trainer import exit_codes
from brightrun_trainer.cancel import CancelFlag
from brightrun_trainer.distributed import OUTPUT_DIR_VAR, FailuresOnly, Rank
from brightrun_trainer.errors import SpecError, WorkerError
from brightrun_trainer.protocol import EventWriter
from brightrun_trainer.spec import SIGNED_URLS, JobSpec, load_spec, parse_spec


def spec_from_env(name: str) -> JobSpec:
    """Reads and validates a job spec from the environment variable ``name``."""
    text = os.environ.get(name)
    if not text:
        raise SpecError(f"the environment variable {name} holds no job spec")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"the job spec in {name} is not JSON: {error}") from error
    return parse_spec(raw)


def main(argv: list[str] | None = None) -> int:
    """Runs the worker; returns the protocol exit code."""
    parser = argparse.ArgumentParser(prog="brightrun-trainer", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--spec", type=Path, help="path of the job spec JSON")
    source.add_argument("--spec-env", metavar="NAME", help="environment variable holding the job spec JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    rank = Rank.from_env()
    events = EventWriter() if rank.is_main else FailuresOnly()
    cancel = CancelFlag()
    cancel.install()
    scratch: str | None = None
    try:
        spec = load_spec(args.spec) if args.spec else spec_from_env(args.spec_env)
        if rank.distributed:
            # The launcher settled where the run writes; rank 0 writes there.
            spec = dataclasses.replace(spec, output_dir=Path(os.environ[OUTPUT_DIR_VAR]))
        elif spec.transfer == SIGNED_URLS and not spec.output_dir.is_absolute():
            # Nothing of this run's files is read back from this machine: work in a
            # directory of our own and leave nothing behind.
            scratch = tempfile.mkdtemp(prefix="brightrun-")
            spec = dataclasses.replace(spec, output_dir=Path(scratch) / spec.output_dir)
        if spec.gpus > 1 and not rank.distributed:
            from brightrun_trainer.launcher import run_ranks

            return run_ranks(spec.gpus, sys.argv[1:] if argv is None else argv, spec.output_dir, events)
        from brightrun_trainer.train import run

        return run(spec, events, cancel, rank)
    except WorkerError as error:
        events.emit("failed", error_type=error.error_type, message=str(error))
        return error.exit_code
    except Exception as error:  # noqa: BLE001 - every failure must reach the control plane as an event
        logging.exception("training failed")
        events.emit("failed", error_type="internal", message=f"{type(error).__name__}: {error}")
        return exit_codes.OTHER_FAILURE
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
