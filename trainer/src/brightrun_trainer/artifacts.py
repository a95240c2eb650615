"""The adapter's files: written, fingerprinted, announced, uploaded."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from brightrun_trainer.errors import WorkerError

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")
CHUNK = 1 << 20


@dataclass(frozen=True)
class Artifact:
    """One file of the adapter."""

    name: str
    path: Path
    bytes: int
    sha256: str


def fingerprint(path: Path) -> Artifact:
    """Size and sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Artifact(name=path.name, path=path, bytes=size, sha256=digest.hexdigest())


def name_base_model(adapter_dir: Path, base_model: str) -> None:
    """Writes the base model into ``adapter_config.json``.

    PEFT writes ``base_model_name_or_path: null`` for a model built from a config (the smoke
    model), which leaves the adapter unloadable by name.
    """
    config_path = adapter_dir / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base_model
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")


def collect(adapter_dir: Path) -> list[Artifact]:
    """The adapter and tokenizer files present in ``adapter_dir``, fingerprinted."""
    names = [name for name in ADAPTER_FILES + TOKENIZER_FILES if (adapter_dir / name).is_file()]
    missing = [name for name in ADAPTER_FILES if name not in names]
    if missing:
        raise WorkerError(f"the adapter was not written: {', '.join(missing)} missing in {adapter_dir}")
    return [fingerprint(adapter_dir / name) for name in names]


def upload(artifact: Artifact, url: str) -> None:
    """PUTs a file to a signed upload URL, streaming it."""
    with artifact.path.open("rb") as body:
        request = urllib.request.Request(
            url,
            data=body,
            method="PUT",
            headers={"Content-Length": str(artifact.bytes), "Content-Type": "application/octet-stream"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                if response.status >= 300:
                    raise WorkerError(f"upload of {artifact.name} answered HTTP {response.status}")
        except OSError as error:
            raise WorkerError(f"upload of {artifact.name} failed: {error}") from error
