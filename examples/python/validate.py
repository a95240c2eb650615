"""Validate a training dataset from Python, then convert it to the trainer's JSONL.

Run: python examples/python/validate.py [FILE]  (after `pip install ./bindings-python`)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import brightrun

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_v4.jsonl"


def main(path: Path) -> int:
    report = brightrun.validate(path, max_seq_len=4096, progress=True)
    stats = report.stats
    print(f"{path.name}: {report.format}, {'valid' if report.valid else 'INVALID'}")
    print(f"  {stats.conversations} conversations, {stats.training_pairs} training pairs, "
          f"{stats.validation_pairs} validation pairs")
    print(f"  {stats.total_tokens} tokens ({stats.tokenizer}), {stats.trainable_tokens} trainable")
    for finding in report.findings[:5]:
        print(f"  line {finding.line}: {finding.severity}[{finding.code}] {finding.message}")
    if not report.valid:
        return 1
    with tempfile.TemporaryDirectory() as out:
        summary = brightrun.convert(path, out, validation_fraction=0.1)
        print(f"  converted: {summary.train_conversations} train, {summary.validation_conversations} validation")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE))
    except brightrun.BrightRunError as error:
        print(f"error[{error.code}]: {error}", file=sys.stderr)
        sys.exit(2)
