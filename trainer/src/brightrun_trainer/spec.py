"""The job spec of worker protocol v1: what to train, on what, and where to put it.

```json
{
  "v": 1,
  "job_id": "0190...",
  "base_model": "mistralai/Mistral-7B-v0.1" | "/local/dir" | "smoke",
  "hyperparameters": {"learning_rate": 2e-4, "batch_size": 8, ...},
  "transfer": "shared_filesystem" | "signed_urls",
  "gpus": 0,
  "dataset": {"train": "path or https URL", "validation": "path, URL or null"},
  "output": {"dir": "path", "upload_urls": {"adapter_model.safetensors": "https://...", ...}},
  "seed": 42,
  "logging_steps": 1,
  "max_steps": null
}
```

The datasets are canonical chat JSONL as the BrightRun core writes them. The
hyperparameters carry the same names as the core's ``Hyperparameters``.

``transfer`` says how data and adapter travel. ``shared_filesystem`` (the default): the
dataset entries are paths (or URLs) this machine can read, and the adapter stays under
``output.dir`` for the backend to collect. ``signed_urls``: the worker sees nothing of the
control plane's disk; the dataset entries are signed GET URLs, every adapter file is PUT to
the signed URL ``output.upload_urls`` gives for its name (a file without one is an error),
and a relative ``output.dir`` is made under a new temporary directory.

``gpus`` is how many GPUs the engine gave the worker (0 on the CPU, the default). More than
one makes the run data-parallel, one process per GPU (see :mod:`brightrun_trainer.launcher`);
on a machine without CUDA, or with ``BRIGHTRUN_TRAINER_DEVICE=cpu``, that many processes
train on the CPU instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brightrun_trainer.errors import SpecError

SMOKE_MODEL = "smoke"
TRANSFERS = ("shared_filesystem", "signed_urls")
SIGNED_URLS = "signed_urls"
REQUIRED_UPLOADS = ("adapter_model.safetensors", "adapter_config.json")
QUANTIZATIONS = ("none", "8bit", "4bit")
MAX_GPUS = 8


@dataclass(frozen=True)
class Hyperparameters:
    """The training knobs, named as in the core."""

    learning_rate: float = 2e-4
    batch_size: int = 8
    epochs: int = 5
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    warmup_steps: int = 200
    weight_decay: float = 0.01
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 1.0
    max_seq_len: int = 2048
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    quantization: str = "none"
    gradient_checkpointing: bool = True


@dataclass(frozen=True)
class JobSpec:
    """A validated job spec."""

    job_id: str
    base_model: str
    hyperparameters: Hyperparameters
    train: str
    validation: str | None
    output_dir: Path
    upload_urls: dict[str, str] = field(default_factory=dict)
    transfer: str = "shared_filesystem"
    seed: int = 42
    logging_steps: int = 1
    max_steps: int | None = None
    gpus: int = 0

    @property
    def is_smoke(self) -> bool:
        """Whether the base model is the CPU smoke model."""
        return self.base_model == SMOKE_MODEL


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SpecError(message)


def _positive_int(raw: dict[str, Any], name: str, default: int, minimum: int = 1) -> int:
    value = raw.get(name, default)
    _require(
        isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
        f"{name} must be an integer >= {minimum}, got {value!r}",
    )
    return int(value)


def _number(raw: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = raw.get(name, default)
    _require(
        isinstance(value, (int, float)) and not isinstance(value, bool)
        and math.isfinite(value) and low <= value <= high,
        f"{name} must be a number from {low} to {high}, got {value!r}",
    )
    return float(value)


def parse_hyperparameters(raw: Any) -> Hyperparameters:
    """Reads and range-checks the hyperparameters object."""
    _require(isinstance(raw, dict), "hyperparameters must be an object")
    defaults = Hyperparameters()
    modules = raw.get("target_modules", list(defaults.target_modules))
    _require(
        isinstance(modules, list) and len(modules) > 0
        and all(isinstance(m, str) and m for m in modules),
        "target_modules must be a non-empty list of module names",
    )
    quantization = raw.get("quantization", defaults.quantization)
    _require(quantization in QUANTIZATIONS, f"quantization must be one of {QUANTIZATIONS}")
    checkpointing = raw.get("gradient_checkpointing", defaults.gradient_checkpointing)
    _require(isinstance(checkpointing, bool), "gradient_checkpointing must be true or false")
    return Hyperparameters(
        learning_rate=_number(raw, "learning_rate", defaults.learning_rate, 1e-7, 1e-2),
        batch_size=_positive_int(raw, "batch_size", defaults.batch_size),
        epochs=_positive_int(raw, "epochs", defaults.epochs),
        lora_rank=_positive_int(raw, "lora_rank", defaults.lora_rank),
        lora_alpha=_positive_int(raw, "lora_alpha", defaults.lora_alpha),
        lora_dropout=_number(raw, "lora_dropout", defaults.lora_dropout, 0.0, 0.5),
        warmup_steps=_positive_int(raw, "warmup_steps", defaults.warmup_steps, minimum=0),
        weight_decay=_number(raw, "weight_decay", defaults.weight_decay, 0.0, 1.0),
        gradient_accumulation_steps=_positive_int(
            raw, "gradient_accumulation_steps", defaults.gradient_accumulation_steps
        ),
        max_grad_norm=_number(raw, "max_grad_norm", defaults.max_grad_norm, 0.01, 100.0),
        max_seq_len=_positive_int(raw, "max_seq_len", defaults.max_seq_len, minimum=16),
        target_modules=tuple(modules),
        quantization=quantization,
        gradient_checkpointing=checkpointing,
    )


def parse_spec(raw: Any) -> JobSpec:
    """Validates a decoded job spec."""
    _require(isinstance(raw, dict), "the job spec must be a JSON object")
    _require(raw.get("v") == 1, f"unsupported protocol version {raw.get('v')!r}: expected 1")
    job_id = raw.get("job_id")
    _require(isinstance(job_id, str) and job_id != "", "job_id must be a non-empty string")
    base_model = raw.get("base_model")
    _require(isinstance(base_model, str) and base_model != "", "base_model must be a string")
    dataset = raw.get("dataset")
    _require(isinstance(dataset, dict), "dataset must be an object with train (and validation)")
    train = dataset.get("train")
    _require(isinstance(train, str) and train != "", "dataset.train must be a path or URL")
    validation = dataset.get("validation")
    _require(validation is None or isinstance(validation, str), "dataset.validation must be a string or null")
    output = raw.get("output")
    _require(isinstance(output, dict) and isinstance(output.get("dir"), str), "output.dir must be a path")
    uploads = output.get("upload_urls") or {}
    _require(
        isinstance(uploads, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in uploads.items()),
        "output.upload_urls must map file names to URLs",
    )
    transfer = raw.get("transfer", "shared_filesystem")
    _require(transfer in TRANSFERS, f"transfer must be one of {', '.join(TRANSFERS)}, not {transfer!r}")
    if transfer == SIGNED_URLS:
        for name, location in (("dataset.train", train), ("dataset.validation", validation)):
            _require(
                location is None or location.startswith(("http://", "https://")),
                f"{name} must be a signed http(s) URL when transfer is signed_urls",
            )
        missing = [name for name in REQUIRED_UPLOADS if name not in uploads]
        _require(not missing, f"output.upload_urls has no URL for {', '.join(missing)}")
    max_steps = raw.get("max_steps")
    _require(
        max_steps is None or (isinstance(max_steps, int) and not isinstance(max_steps, bool) and max_steps > 0),
        "max_steps must be a positive integer or null",
    )
    return JobSpec(
        job_id=job_id,
        base_model=base_model,
        hyperparameters=parse_hyperparameters(raw.get("hyperparameters", {})),
        train=train,
        validation=validation or None,
        output_dir=Path(output["dir"]),
        upload_urls=dict(uploads),
        transfer=transfer,
        seed=_positive_int(raw, "seed", 42, minimum=0),
        logging_steps=_positive_int(raw, "logging_steps", 1),
        max_steps=max_steps,
        gpus=_gpus(raw),
    )


def _gpus(raw: dict[str, Any]) -> int:
    gpus = _positive_int(raw, "gpus", 0, minimum=0)
    _require(gpus <= MAX_GPUS, f"gpus must be at most {MAX_GPUS} (one machine), got {gpus}")
    return gpus


def load_spec(path: Path) -> JobSpec:
    """Reads and validates a job spec file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(f"cannot read job spec {path}: {error.strerror}") from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"job spec {path} is not JSON: {error}") from error
    return parse_spec(raw)
