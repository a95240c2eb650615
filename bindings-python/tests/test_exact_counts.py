"""Exact token counts are what transformers computes, on real vocabularies.

`brightrun.validate(path, tokenizer=DIR)` must report the tokens a practitioner gets with
`transformers` itself: `apply_chat_template(messages, tokenize=False)` encoded without added
special tokens (the total), and, for each assistant turn, the tokens of the conversation
through the turn less those of the conversation before it with the generation prompt (the
trainable tokens). The vocabularies are those of `scripts/vocab-fixtures` (cl100k, o200k,
GPT-2, Mistral 7B v0.1, Tekken, converted by transformers), found through
`$BRIGHTRUN_VOCAB_FIXTURES`; without it these tests skip, and fail under CI.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

import brightrun
from conftest import under_ci

# BrightRun's default template (the core's CHATML_TEMPLATE), for vocabularies without one.
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Name, and whether its template takes system messages (Mistral's [INST] one does not).
VOCABULARIES = [
    ("cl100k", True),
    ("cl100k-llama3", True),
    ("cl100k-possessive", True),
    ("qwen2-nfc", True),
    ("o200k", True),
    ("gpt2", True),
    ("mistral-v1", False),
    ("mistral-v1-legacy", False),
    ("tekken", False),
]

SNIPPETS = [
    "it's",
    "WE'LL",
    "they'RE",
    "\u017f",
    "1234567",
    "3.14159",
    "fn main() {\n    println!(\"hi\");\n}",
    "https://example.com/a/b?q=1",
    ".\n/usr/bin",
    "  ",
    "\t\t",
    "\n\n\n",
    " \n ",
    "\u3000",
    "\u00a0",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3002",
    "\u0645\u0631\u062d\u0628\u0627",
    "\u0928\u092e\u0938\u094d\u0924\u0947",
    "e\u0301\u0301",
    "\u212bngstr\u00f6m",
    "\U0001f642",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "!!!???",
    "CamelCaseWordsAndALLCAPS",
]
WORDS = "the quick brown fox jumps over a lazy dog while we count every token it makes".split()


def _fixtures() -> Path:
    root = os.environ.get("BRIGHTRUN_VOCAB_FIXTURES")
    if root:
        return Path(root)
    if under_ci():
        pytest.fail("BRIGHTRUN_VOCAB_FIXTURES is not set under CI: scripts/test builds the vocabularies")
    pytest.skip("set BRIGHTRUN_VOCAB_FIXTURES (scripts/vocab-fixtures) to compare with transformers")


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 40)):
        part = rng.choice(SNIPPETS) if rng.random() < 0.3 else rng.choice(WORDS)
        parts.append(part + rng.choice([" ", " ", " ", "\n", "  ", "\t"]))
    return "".join(parts).strip(" ") or "x"


def _conversations(seed: int, count: int, with_system: bool) -> list[list[dict[str, str]]]:
    rng = random.Random(seed)
    conversations = []
    for _ in range(count):
        messages = []
        if with_system and rng.random() < 0.5:
            messages.append({"role": "system", "content": _text(rng)})
        for turn in range(2 * rng.randint(1, 4)):
            messages.append({"role": "user" if turn % 2 == 0 else "assistant", "content": _text(rng)})
        conversations.append(messages)
    return conversations


def _transformers_counts(directory: Path, conversations: list[list[dict[str, str]]]) -> tuple[int, int]:
    from transformers import PreTrainedTokenizerFast

    config: dict[str, Any] = {}
    if (directory / "tokenizer_config.json").is_file():
        config = json.loads((directory / "tokenizer_config.json").read_text(encoding="utf-8"))
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_file=str(directory / "tokenizer.json"),
        bos_token=config.get("bos_token"),
        eos_token=config.get("eos_token"),
    )
    template = config.get("chat_template") or CHATML

    def tokens(messages: list[dict[str, str]], prompt: bool) -> int:
        text = tokenizer.apply_chat_template(
            messages, chat_template=template, tokenize=False, add_generation_prompt=prompt
        )
        assert isinstance(text, str)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    total = trainable = 0
    for messages in conversations:
        total += tokens(messages, False)
        for i, message in enumerate(messages):
            if message["role"] == "assistant":
                trainable += max(0, tokens(messages[: i + 1], False) - tokens(messages[:i], True))
    return total, trainable


@pytest.mark.parametrize(("name", "with_system"), VOCABULARIES, ids=[name for name, _ in VOCABULARIES])
def test_validate_counts_what_transformers_counts(tmp_path: Path, name: str, with_system: bool) -> None:
    directory = _fixtures() / name
    conversations = _conversations(seed=len(name), count=60, with_system=with_system)
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": m}) + "\n" for m in conversations), encoding="utf-8")

    report = brightrun.validate(data, tokenizer=directory, max_seq_len=1_000_000, min_examples=0)

    assert report.stats.tokens_exact
    assert report.stats.conversations == len(conversations)
    total, trainable = _transformers_counts(directory, conversations)
    assert (report.stats.total_tokens, report.stats.trainable_tokens) == (total, trainable)
