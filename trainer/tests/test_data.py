"""Reading chat JSONL and assistant-only labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightrun_trainer.data import IGNORE_INDEX, load_conversations, render, tokenize
from brightrun_trainer.errors import DatasetError
from conftest import write_jsonl


def test_malformed_lines_are_dataset_errors_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": []}\n\n{"messages": [{"role": "robot", "content": "x"}]}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="line 3"):
        load_conversations(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 1: not JSON"):
        load_conversations(path)


@pytest.mark.torch
def test_labels_cover_exactly_the_assistant_turns(tmp_path: Path) -> None:
    from brightrun_trainer import smoke

    messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi, how are you?"},
        {"role": "user", "content": "Tired."},
        {"role": "assistant", "content": "Rest a little."},
    ]
    write_jsonl(tmp_path / "c.jsonl", [{"messages": messages}])
    tokenizer = smoke.build_tokenizer(m["content"] for m in messages)
    example = tokenize(tokenizer, messages, max_seq_len=512)
    trained = tokenizer.decode([i for i, label in zip(example.input_ids, example.labels) if label != IGNORE_INDEX])
    assert trained == "Hi, how are you?<|im_end|>\nRest a little.<|im_end|>\n"
    assert render(tokenizer, messages, False).startswith("<|im_start|>system\nBe kind.<|im_end|>")
    truncated = tokenize(tokenizer, messages, max_seq_len=8)
    assert len(truncated.input_ids) == 8 and truncated.trainable_tokens == 0
