"""Failures that end a run, each with its protocol exit code and error type."""

from __future__ import annotations

from brightrun_trainer import exit_codes


class WorkerError(Exception):
    """A failure reported as a ``failed`` event."""

    error_type = "error"
    exit_code = exit_codes.OTHER_FAILURE


class SpecError(WorkerError):
    """The job spec is missing, malformed or out of range."""

    error_type = "bad_spec"
    exit_code = exit_codes.BAD_SPEC


class DatasetError(WorkerError):
    """The dataset cannot be read or has nothing to train on."""

    error_type = "dataset_error"
    exit_code = exit_codes.DATASET_ERROR


class OutOfMemoryError(WorkerError):
    """The GPU (or host) ran out of memory."""

    error_type = "out_of_memory"
    exit_code = exit_codes.OUT_OF_MEMORY
