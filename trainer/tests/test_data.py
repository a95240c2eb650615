"""Reading chat JSONL and assistant-only labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brightrun_trainer.conversation import Conversation
from brightrun_trainer.data import IGNORE_INDEX, Example, load_conversations, render, tokenize
from brightrun_trainer.errors import DatasetError
from conftest import write_jsonl

# The chat template of Mistral-7B-Instruct-v0.1: it refuses a conversation the assistant opens.
MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)


def conversation(messages: list[dict[str, Any]]) -> Conversation:
    return Conversation.parse({"messages": messages}, "test line 1")


def smoke_tokenizer(messages: list[dict[str, Any]], template: str | None = None) -> Any:
    from brightrun_trainer import smoke

    tokenizer = smoke.build_tokenizer(m["content"] for m in messages)
    if template is not None:
        tokenizer.chat_template = template
    return tokenizer


def trained_text(tokenizer: Any, example: Example) -> str:
    trained = [i for i, label in zip(example.input_ids, example.labels) if label != IGNORE_INDEX]
    return str(tokenizer.decode(trained))


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
    messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi, how are you?"},
        {"role": "user", "content": "Tired."},
        {"role": "assistant", "content": "Rest a little."},
    ]
    write_jsonl(tmp_path / "c.jsonl", [{"messages": messages}])
    [loaded] = load_conversations(tmp_path / "c.jsonl")
    tokenizer = smoke_tokenizer(messages)
    example = tokenize(tokenizer, loaded, max_seq_len=512)
    assert trained_text(tokenizer, example) == "Hi, how are you?<|im_end|>\nRest a little.<|im_end|>\n"
    assert render(tokenizer, messages, False).startswith("<|im_start|>system\nBe kind.<|im_end|>")
    truncated = tokenize(tokenizer, loaded, max_seq_len=8)
    assert len(truncated.input_ids) == 8 and truncated.trainable_tokens == 0


def test_weights_are_read_and_bad_ones_are_dataset_errors_naming_the_line(tmp_path: Path) -> None:
    answer = {"role": "assistant", "content": "a", "weight": 0}
    path = write_jsonl(tmp_path / "w.jsonl", [{"messages": [{"role": "user", "content": "q"}, answer]}])
    [loaded] = load_conversations(path)
    assert loaded.trained == (False, False)
    assert loaded.messages[1] == {"role": "assistant", "content": "a"}, "the template never sees a weight"
    for weight, match in [
        (2, r"line 2: messages\[1\]\.weight is 2; expected 0 or 1"),
        (True, r"weight is True"),
        ("0", r"weight is '0'"),
    ]:
        bad = {"role": "assistant", "content": "a", "weight": weight}
        path = tmp_path / "bad.jsonl"
        line = json.dumps({"messages": [{"role": "user", "content": "q"}, bad]})
        path.write_text(f"\n{line}\n", encoding="utf-8")
        with pytest.raises(DatasetError, match=match):
            load_conversations(path)
    with pytest.raises(DatasetError, match="a user message with a weight"):
        conversation([{"role": "user", "content": "q", "weight": 1}, {"role": "assistant", "content": "a"}])


@pytest.mark.torch
def test_a_weight_0_answer_is_read_but_not_in_the_loss() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "A weak first answer.", "weight": 0},
        {"role": "user", "content": "Tired."},
        {"role": "assistant", "content": "Rest a little.", "weight": 1},
    ]
    tokenizer = smoke_tokenizer(messages)
    example = tokenize(tokenizer, conversation(messages), max_seq_len=512)
    assert trained_text(tokenizer, example) == "Rest a little.<|im_end|>\n"
    assert "A weak first answer." in tokenizer.decode(example.input_ids), "it is still read as context"


@pytest.mark.torch
def test_a_template_that_refuses_an_assistant_first_turn_gets_an_empty_user_turn() -> None:
    from jinja2 import TemplateError

    messages: list[dict[str, Any]] = [
        {"role": "assistant", "content": "Hello, I am your coach for today."},
        {"role": "user", "content": "I feel stuck at work."},
        {"role": "assistant", "content": "What feels most stuck?"},
    ]
    tokenizer = smoke_tokenizer(messages, MISTRAL_TEMPLATE)
    with pytest.raises(TemplateError, match="must alternate"):
        render(tokenizer, messages, False)
    example = tokenize(tokenizer, conversation(messages), max_seq_len=512)
    text = tokenizer.decode(example.input_ids)
    assert text == (
        "<s>[INST]  [/INST]Hello, I am your coach for today.<|im_end|>"
        "[INST] I feel stuck at work. [/INST]What feels most stuck?<|im_end|>"
    )
    trained = "Hello, I am your coach for today.<|im_end|>What feels most stuck?<|im_end|>"
    assert trained_text(tokenizer, example) == trained

    chatml = smoke_tokenizer(messages)
    as_written = tokenize(chatml, conversation(messages), max_seq_len=512)
    assert chatml.decode(as_written.input_ids).startswith("<|im_start|>assistant\nHello"), "rendered as written"


@pytest.mark.torch
def test_other_conversations_a_template_refuses_are_dataset_errors_naming_the_line() -> None:
    messages = [
        {"role": "user", "content": "one"},
        {"role": "user", "content": "two"},
        {"role": "assistant", "content": "answer"},
    ]
    tokenizer = smoke_tokenizer(messages, MISTRAL_TEMPLATE)
    with pytest.raises(DatasetError, match="test line 1: the chat template refuses this conversation: .*must alt"):
        tokenize(tokenizer, conversation(messages), max_seq_len=512)
