"""BrightRun's exceptions: one base class, one subclass per concern, each with the core's code.

Every error the Rust core reports has a stable snake_case ``code`` (``unknown_gpu``,
``invalid_hyperparameters``, ...); the same codes appear in the CLI (``error[code]``) and
in the Node package. Match on ``code`` for a precise case and on the class for a concern.
The native module raises these classes (``brightrun._native`` imports this module).
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "StorageError",
    "StoreError",
    "BrightRunError",
    "CatalogError",
    "DatasetError",
    "EstimateError",
    "HyperparameterError",
    "InternalError",
    "InvalidRequestError",
    "LocalFilesError",
    "NotFoundError",
    "MoneyError",
    "TokenizerError",
    "TransitionError",
    "UnknownValueError",
    "WaitTimeoutError",
]


class BrightRunError(Exception):
    """Base class of every BrightRun error.

    ``code`` is the core's stable, snake_case name of the failure; ``str(error)`` is the
    human-readable message (the same the CLI prints after ``error[code]:``).
    """

    code: str
    """The stable code, e.g. ``"unknown_gpu"``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[type[BrightRunError], tuple[str, str]]:
        # Keep the code through pickling (multiprocessing, concurrent.futures).
        return (type(self), (self.message, self.code))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class HyperparameterError(BrightRunError, ValueError):
    """Hyperparameters out of range or unusable; the message lists every bad field with its
    allowed range. Code: ``invalid_hyperparameters``."""


class CatalogError(BrightRunError, ValueError):
    """A GPU, base model or preset the catalogs do not know, a GPU count outside 1 to 8, or
    a model ``config.json`` that cannot be read or is incomplete. Codes: ``unknown_gpu``,
    ``invalid_gpu_count``, ``unknown_base_model``, ``unknown_preset``,
    ``invalid_architecture``, ``unreadable_model_config``."""


class EstimateError(BrightRunError, ValueError):
    """An estimate that cannot be made from its inputs. Codes: ``no_tokens``,
    ``unknown_target_module``, ``invalid_throughput``, ``invalid_number``."""


class MoneyError(BrightRunError, ValueError):
    """An amount of money that is not a decimal number. Code: ``invalid_money``."""


class UnknownValueError(BrightRunError, ValueError):
    """A name that is not one of an enumeration's values (a job status, a format, a role).
    Code: ``unknown_value``."""


class DatasetError(BrightRunError, ValueError):
    """A dataset file that cannot be read or validated (raised by the dataset functions)."""


class TransitionError(BrightRunError):
    """A job status change that the job state machine forbids. Code: ``illegal_transition``."""


class TokenizerError(BrightRunError):
    """A tokenizer that cannot be loaded or cannot count. Codes: ``tokenizer_load_failed``,
    ``chat_template_failed``, ``tokenization_failed``."""


class BackendError(BrightRunError):
    """A GPU backend that cannot submit, follow, cancel or collect a job. Codes:
    ``backend_io``, ``invalid_backend_handle``, ``worker_launch_failed``,
    ``backend_engine_failed``, ``not_enough_gpus``, ``nothing_to_collect``."""


class StoreError(BrightRunError):
    """The database refused or failed. Codes include ``not_found`` (also for another
    user's rows), ``stale_state``, ``conflict``, ``invalid_input``."""


class StorageError(BrightRunError):
    """Object storage refused or failed. Codes include ``invalid_key``, ``too_large``,
    ``not_found``."""


class InternalError(BrightRunError, RuntimeError):
    """A fault inside BrightRun itself (a bug: a panic in the native code), raised instead
    of crashing the interpreter or leaving an awaitable pending for ever; the message says
    where it happened. Code: ``internal``."""


class NotFoundError(BrightRunError, LookupError):
    """A dataset, job, model or notification that does not exist, was deleted, or belongs
    to another user (the service never tells these apart). Code: ``not_found``."""


class WaitTimeoutError(BrightRunError, TimeoutError):
    """A ``wait`` (``datasets.wait``, ``jobs.wait``) that did not end within its timeout;
    also a ``TimeoutError``. Code: ``timeout``: wait longer, and check that an orchestrator
    runs (the client's own, or ``brightrun worker``)."""


class InvalidRequestError(BrightRunError, ValueError):
    """A client call the service refuses as asked: a bad name, size or budget, a dataset
    that is not ready, a job that is already finished, a malformed argument. Codes include
    ``invalid_arguments``, ``invalid_text``, ``invalid_size``, ``dataset_not_ready``,
    ``job_finished``, ``invalid_budget``, ``invalid_expiry``, ``upload_missing``."""


class LocalFilesError(BrightRunError, OSError):
    """The BrightRun home, its scratch space or a local file cannot be used. Code:
    ``local_io``."""
