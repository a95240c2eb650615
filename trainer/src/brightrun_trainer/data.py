"""The training data: canonical chat JSONL in, token ids and assistant-only labels out.

Token accounting is the BrightRun core's, so the validator's counts are what this worker
trains on. With ``render(m, g)`` the chat template applied to messages ``m`` (``g``: add
the generation prompt) and ``tokens(s)`` the ids of ``s`` encoded without extra special
tokens:

- the input is ``tokens(render(messages, False))``;
- assistant message ``i`` is trained on the ids from ``len(tokens(render(messages[:i], True)))``
  to ``len(tokens(render(messages[:i + 1], False)))``: its content and its end-of-turn
  marker. Every other id has the label -100 (no loss).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

from brightrun_trainer.errors import DatasetError

IGNORE_INDEX = -100
ROLES = ("system", "user", "assistant")

# The template used when a tokenizer has none: ChatML. The BrightRun core counts tokens with
# the identical template (`CHATML_TEMPLATE` in core/src/dataset/tokenizer/template.rs; a
# test in tests/tests/trainer_contract.rs keeps the two equal).
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

Messages = list[dict[str, str]]


class ChatTokenizer(Protocol):
    """What this module needs of a Hugging Face tokenizer."""

    chat_template: str | None

    def apply_chat_template(self, conversation: Any, **kwargs: Any) -> Any:
        """Renders messages with the chat template."""

    def encode(self, text: str, add_special_tokens: bool = ...) -> list[int]:
        """Encodes text to ids."""


@dataclass(frozen=True)
class Example:
    """One tokenized conversation."""

    input_ids: list[int]
    labels: list[int]

    @property
    def trainable_tokens(self) -> int:
        """Ids the loss is computed on."""
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


def fetch(location: str, scratch: Path) -> Path:
    """A local path for a dataset given as a path or an http(s) URL (downloaded)."""
    if location.startswith(("http://", "https://")):
        scratch.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=scratch, suffix=".jsonl")
        try:
            with urllib.request.urlopen(location, timeout=60) as response, open(handle, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as error:
            raise DatasetError(f"cannot download dataset: {error}") from error
        return Path(name)
    path = Path(location)
    if not path.is_file():
        raise DatasetError(f"dataset file {location} does not exist")
    return path


def _check_messages(raw: Any, where: str) -> Messages:
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
        raise DatasetError(f"{where}: expected an object with a messages list")
    messages: Messages = []
    for index, message in enumerate(raw["messages"]):
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise DatasetError(f"{where}: messages[{index}] needs a role in {ROLES} and string content")
        messages.append({"role": message["role"], "content": message["content"]})
    return messages


def load_conversations(path: Path) -> list[Messages]:
    """Reads canonical chat JSONL; any malformed line is a dataset error naming it."""
    conversations: list[Messages] = []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DatasetError(f"{path.name} line {number}: not JSON ({error.msg})") from error
                conversations.append(_check_messages(raw, f"{path.name} line {number}"))
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"cannot read {path}: {error}") from error
    return conversations


def render(tokenizer: ChatTokenizer, messages: Sequence[dict[str, str]], generation_prompt: bool) -> str:
    """The chat template applied to ``messages``, as text."""
    template = tokenizer.chat_template or DEFAULT_CHAT_TEMPLATE
    text = tokenizer.apply_chat_template(
        list(messages), chat_template=template, tokenize=False, add_generation_prompt=generation_prompt
    )
    return str(text)


def _token_count(tokenizer: ChatTokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False)) if text else 0


def tokenize(tokenizer: ChatTokenizer, messages: Messages, max_seq_len: int) -> Example:
    """Input ids and assistant-only labels of one conversation, truncated to ``max_seq_len``."""
    input_ids = tokenizer.encode(render(tokenizer, messages, False), add_special_tokens=False)
    labels = [IGNORE_INDEX] * len(input_ids)
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = _token_count(tokenizer, render(tokenizer, messages[:index], True)) if index else 0
        end = _token_count(tokenizer, render(tokenizer, messages[: index + 1], False))
        labels[start:end] = input_ids[start:end]
    return Example(input_ids=input_ids[:max_seq_len], labels=labels[:max_seq_len])


def tokenize_all(tokenizer: ChatTokenizer, conversations: list[Messages], max_seq_len: int) -> list[Example]:
    """Tokenizes every conversation that keeps at least one trainable id after truncation."""
    examples = [tokenize(tokenizer, messages, max_seq_len) for messages in conversations]
    return [example for example in examples if example.trainable_tokens > 0]
