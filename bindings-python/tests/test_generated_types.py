"""The generated types are what the schema gives (the drift check of scripts/generate-types)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_the_generated_types_match_the_schema() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate-types"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
