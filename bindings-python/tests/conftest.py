"""Shared fixtures: the `brightrun` CLI binary, to compare the bindings with its --json output."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

CliJson = Callable[..., Any]


def under_ci() -> bool:
    """Whether this runs under CI, where a missing service fails a test instead of skipping it."""
    return os.environ.get("CI", "").strip() not in ("", "0", "false")


def _cli_path() -> Path | None:
    """$BRIGHTRUN_CLI (scripts/test sets it), else the debug build in the target directory
    (under `$CARGO_BUILD_TARGET` when the build named a triple)."""
    explicit = os.environ.get("BRIGHTRUN_CLI")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    candidate = target / os.environ.get("CARGO_BUILD_TARGET", "") / "debug" / "brightrun"
    return candidate if candidate.exists() else None


@pytest.fixture(scope="session")
def cli_json() -> CliJson:
    """Runs the CLI with `--json` and returns the parsed output."""
    path = _cli_path()
    if path is None:
        reason = "no brightrun CLI: build it with `cargo build -p brightrun-cli` or set BRIGHTRUN_CLI"
        if under_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    assert path.exists(), f"BRIGHTRUN_CLI points at {path}, which does not exist"

    def run(*args: str, exit_codes: tuple[int, ...] = (0,)) -> Any:
        """`exit_codes`: `brightrun validate` exits 1 for an invalid file."""
        done = subprocess.run([str(path), *args, "--json"], capture_output=True, text=True, check=False)
        assert done.returncode in exit_codes, done.stderr
        return json.loads(done.stdout)

    return run


def cli_flags(**kwargs: Any) -> list[str]:
    """`estimate`'s keyword arguments as the CLI's flags (the same names, kebab-case)."""
    flags: list[str] = []
    for name, value in kwargs.items():
        flag = "--" + name.replace("_", "-")
        if value is None:
            continue
        if name == "gradient_checkpointing":
            flags.append(flag if value else "--no-gradient-checkpointing")
        elif isinstance(value, list | tuple):
            flags += [flag, ",".join(value)]
        else:
            flags += [flag, str(value)]
    return flags


@pytest.fixture()
def model_config(tmp_path: Path) -> Path:
    """A Hugging Face config.json of a small Llama-style model outside the catalog."""
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "hidden_size": 2048,
                "num_attention_heads": 16,
                "num_key_value_heads": 4,
                "num_hidden_layers": 16,
                "intermediate_size": 8192,
                "vocab_size": 32000,
                "max_position_embeddings": 4096,
                "tie_word_embeddings": True,
            }
        )
    )
    return path
