"""The training data: canonical chat JSONL in, token ids and assistant-only labels out.

Token accounting is the BrightRun core's, so the validator's counts are what this worker
trains on. With ``render(m, g)`` the chat template applied to messages ``m`` (``g``: add
the generation prompt) and ``tokens(s)`` the ids of ``s`` encoded without extra special
tokens:

- the input is ``tokens(render(messages, False))``;
- assistant message ``i``, unless its ``weight`` is 0, is trained on the ids from
  ``len(tokens(render(messages[:i], True)))`` to ``len(tokens(render(messages[:i + 1], False)))``:
  its content and its end-of-turn marker. Every other id has the label -100 (no loss).
  Where a template renders those prefixes otherwise than the whole text begins (Qwen3's
  prints a ``<think>`` block on the last answer only; Mistral's put the system prompt in the
  last user message), the turn is what the whole text holds of it (:func:`turn_span`), and
  the ids are those of the whole text up to its start and its end.

A plain-text document (``{"text": ...}``, continued pretraining) is not rendered: its ids are
``encode(text, add_special_tokens=True)`` (the tokenizer's own BOS, where it adds one), then
the EOS token unless ``encode("", add_special_tokens=True)`` already ends with it, so that
documents never run into each other. Every id is trained on (labels = input ids). A document
longer than ``max_seq_len`` is cut into windows of ``max_seq_len`` ids, each an example:
nothing is dropped. The core counts a document the same way (``total = trainable`` = its
ids) and reports one longer than ``max_seq_len`` as ``text_split_into_windows``.

Chat with tools: the conversation's ``tools`` are given to every render
(``apply_chat_template(messages, tools=tools)``), the assistant's messages that call tools
are trained on as the template writes the calls, and ``tool`` messages (the results) are
context. A template that never prints the tools or the calls (BrightRun's default ChatML
prints only ``content``), or refuses them, is a dataset error: the core reports it as
``tools_unsupported_by_template`` when it validates with the model's tokenizer.

A conversation the assistant opens is rendered as it is when the chat template accepts it.
A template that refuses it (Mistral's and Llama 2's raise "Conversation roles must alternate
user/assistant/user/assistant/...") is given an empty user message before that first reply,
the user turn it needs; the reply is still trained on unless its weight is 0. The core counts
its tokens the same way. Any other conversation a template refuses is a dataset error naming
its line.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence, overload

from brightrun_trainer.conversation import Conversation, Document, Record, parse_record
from brightrun_trainer.errors import DatasetError

IGNORE_INDEX = -100

# The template used when a tokenizer has none: ChatML. The BrightRun core counts tokens with
# the identical template (`CHATML_TEMPLATE` in core/src/dataset/tokenizer/template.rs; a
# test in tests/tests/trainer_contract.rs keeps the two equal).
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

class ChatTokenizer(Protocol):
    """What this module needs of a Hugging Face tokenizer."""

    chat_template: str | None
    eos_token_id: int | None

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


def load_conversations(path: Path) -> list[Record]:
    """Reads canonical JSONL (chat conversations or plain-text documents); any malformed
    line is a dataset error naming it."""
    conversations: list[Record] = []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{path.name} line {number}"
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DatasetError(f"{where}: not JSON ({error.msg})") from error
                conversations.append(parse_record(raw, where))
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"cannot read {path}: {error}") from error
    return conversations


def render(
    tokenizer: ChatTokenizer,
    messages: Sequence[dict[str, Any]],
    generation_prompt: bool,
    tools: list[dict[str, Any]] | None = None,
) -> str:
    """The chat template applied to ``messages`` (given ``tools``), as text."""
    template = tokenizer.chat_template or DEFAULT_CHAT_TEMPLATE
    conversation = list(messages) if messages else _NoMessages()
    text = tokenizer.apply_chat_template(
        conversation, tools=tools, chat_template=template, tokenize=False, add_generation_prompt=generation_prompt
    )
    return str(text)


class _NoMessages(Sequence[dict[str, Any]]):
    """A conversation of no messages, as ``apply_chat_template`` renders it: given an empty list,
    it fails looking for a batch of conversations in its first item."""

    def __len__(self) -> int:
        return 0

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return []
        raise IndexError(index)


def check_renders_tools(tokenizer: ChatTokenizer, conversation: Conversation, text: str) -> None:
    """A dataset error unless the chat template prints the conversation's tools and tool calls
    (``text`` is its whole rendering); the same check as the core's."""
    if not conversation.uses_tools():
        return
    where = conversation.where
    _refuse_default_chatml(tokenizer, where, "uses tools", "renders tools")
    messages, tools = conversation.messages, conversation.tools
    if tools and render(tokenizer, messages, False) == text:
        raise DatasetError(f"{where}: the chat template never prints the `tools` definitions")
    if any("tool_calls" in m for m in messages):
        if render(tokenizer, _without(messages, "tool_calls"), False, tools) == text:
            raise DatasetError(f"{where}: the chat template never prints an assistant's `tool_calls`")


def check_renders_reasoning(tokenizer: ChatTokenizer, conversation: Conversation, text: str) -> None:
    """A dataset error unless the chat template prints the reasoning of the conversation's
    assistant messages (``text`` is its whole rendering); the same check as the core's."""
    if not conversation.reasons():
        return
    where = conversation.where
    _refuse_default_chatml(tokenizer, where, "has reasoning", "prints `reasoning_content`")
    messages = _without(conversation.messages, "reasoning_content", "thinking")
    if render(tokenizer, messages, False, conversation.tools) == text:
        raise DatasetError(f"{where}: the chat template never prints an assistant's `reasoning_content` here")


def _refuse_default_chatml(tokenizer: ChatTokenizer, where: str, has: str, needs: str) -> None:
    """A dataset error when the chat template is BrightRun's default ChatML, which prints only
    each message's content, and the conversation at ``where`` ``has`` more to print."""
    if tokenizer.chat_template in (None, "", DEFAULT_CHAT_TEMPLATE):
        raise DatasetError(
            f"{where}: the conversation {has}, and the chat template is BrightRun's default ChatML, which "
            f"prints only each message's content; train a base model whose template {needs}"
        )


def _without(messages: Sequence[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """``messages`` with ``keys`` left out of each."""
    return [{k: v for k, v in m.items() if k not in keys} for m in messages]


def _token_count(tokenizer: ChatTokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False)) if text else 0


def renderable(tokenizer: ChatTokenizer, conversation: Conversation) -> tuple[Conversation, str]:
    """The conversation as it is trained on, with its whole text: with an empty user message
    first when the assistant opens it and the chat template refuses that (see the module)."""
    from jinja2 import TemplateError

    try:
        text = render(tokenizer, conversation.messages, False, conversation.tools)
    except TemplateError as error:
        fixed = conversation.with_empty_user_turn()
        if fixed is None or conversation.uses_tools():
            raise _refused(conversation, error) from error
        try:
            text = render(tokenizer, fixed.messages, False)
        except TemplateError:
            raise _refused(conversation, error) from error
        check_renders_reasoning(tokenizer, fixed, text)
        return fixed, text
    check_renders_tools(tokenizer, conversation, text)
    check_renders_reasoning(tokenizer, conversation, text)
    return conversation, text


def _refused(conversation: Conversation, error: Exception) -> DatasetError:
    return DatasetError(f"{conversation.where}: the chat template refuses this conversation: {error}")


def tokenize(tokenizer: ChatTokenizer, conversation: Conversation, max_seq_len: int) -> Example:
    """Input ids and labels on the trained assistant turns of one conversation, truncated to
    ``max_seq_len``."""
    from jinja2 import TemplateError

    conversation, text = renderable(tokenizer, conversation)
    messages, tools = conversation.messages, conversation.tools
    input_ids = tokenizer.encode(text, add_special_tokens=False)
    labels = [IGNORE_INDEX] * len(input_ids)
    for index, trained in enumerate(conversation.trained):
        if not trained:
            continue
        try:
            prompt = _prompt_before(tokenizer, messages, index, tools)
            through = render(tokenizer, messages[: index + 1], False, tools)
        except TemplateError as error:
            raise _refused(conversation, error) from error
        asked = messages[index - 1]["content"] if index else ""
        before, after = turn_span(text, (prompt, asked), (through, messages[index]["content"]))
        start, end = _token_count(tokenizer, text[:before]), _token_count(tokenizer, text[:after])
        labels[start:end] = input_ids[start:end]
    return Example(input_ids=input_ids[:max_seq_len], labels=labels[:max_seq_len])


def _prompt_before(
    tokenizer: ChatTokenizer, messages: Sequence[dict[str, Any]], index: int, tools: list[dict[str, Any]] | None
) -> str:
    """The conversation before message ``index`` with the generation prompt. For a conversation
    the assistant opens, the generation prompt alone, or ``""`` (the turn starts at the start)
    where the template refuses to render no messages; the core does the same."""
    from jinja2 import TemplateError

    try:
        return render(tokenizer, messages[:index], True, tools)
    except TemplateError:
        if index:
            raise
        return ""


def turn_span(text: str, prompt_asked: tuple[str, str], through_answer: tuple[str, str]) -> tuple[int, int]:
    """Where a turn is in ``text``, the whole conversation's rendering, from ``prompt`` (the
    conversation before it with the generation prompt, whose last message says ``asked``) and
    ``through`` (the conversation up to and including it, the turn saying ``answer``): the
    core's rule, character for character. Between their ends where they are prefixes of
    ``text``; else what ``text`` holds of the turn (:func:`_end_in`). Where that cannot be
    told, the turn starts after the last words asked (else it is not trained on) and ends where
    the renderings part: what is trained on is the turn's, never the user's."""
    (prompt, asked), (through, answer) = prompt_asked, through_answer
    end = _end_in(text, through, answer)
    if end is None:
        end = _common_prefix_len(text, through)
    before = _end_in(text, prompt, asked)
    if before is None:
        # The last words asked, where they end at or after the renderings part.
        words = _last_words(asked)
        at = text.find(words, max(0, _common_prefix_len(text, prompt) - len(words))) if words else -1
        before = end if at == -1 else at + len(words)
    return before, max(end, before)


def _end_in(text: str, part: str, said: str) -> int | None:
    """Where ``part``, whose last message says ``said``, ends in ``text``: at its end when it is
    a prefix; else after their common prefix and the longest end of ``part`` that ``text`` goes
    on with there, when that end reaches into the last words said; ``None`` when there is none."""
    if text.startswith(part):
        return len(part)
    words = _last_words(said)
    at_words = part.rfind(words)
    if at_words == -1:
        return None
    after_words = len(part) - at_words - len(words)
    common = _common_prefix_len(text, part)
    tail = _overlap(part[common:], text[common : len(part)])
    return common + tail if 0 < tail and after_words < tail else None


def _overlap(tail: str, head: str) -> int:
    """The length of the longest end of ``tail`` that ``head`` begins with, in time linear in
    both (Knuth-Morris-Pratt), whatever the texts repeat."""
    head = head[: len(tail)]
    fail = [0] * len(head)
    matched = 0
    for at in range(1, len(head)):
        while matched and head[at] != head[matched]:
            matched = fail[matched - 1]
        if head[at] == head[matched]:
            matched += 1
        fail[at] = matched
    matched = 0
    for char in tail:
        while matched and (matched == len(head) or char != head[matched]):
            matched = fail[matched - 1]
        if matched < len(head) and char == head[matched]:
            matched += 1
    return matched


def _common_prefix_len(a: str, b: str) -> int:
    """Length of the longest common prefix of ``a`` and ``b``."""
    return len(os.path.commonprefix([a, b]))


def _trimmed(text: str) -> str:
    """``text`` without the line breaks, tabs and spaces a template may strip around it."""
    return text.strip(" \n\t\r")


def _last_words(text: str) -> str:
    """The last 16 characters of ``text``, trimmed: what a template keeps of a message even
    when it rewrites it (Qwen3's drops the ``<think>`` part of an earlier answer's text)."""
    return _trimmed(text)[-16:]


def document_ids(tokenizer: ChatTokenizer, text: str) -> list[int]:
    """The ids of a plain-text document: the tokenizer's own added tokens around the text,
    then EOS unless those already end with it (see the module)."""
    ids = list(tokenizer.encode(text, add_special_tokens=True))
    eos = tokenizer.eos_token_id
    if eos is not None and tokenizer.encode("", add_special_tokens=True)[-1:] != [eos]:
        ids.append(eos)
    return ids


def tokenize_document(tokenizer: ChatTokenizer, document: Document, max_seq_len: int) -> list[Example]:
    """The windows of ``max_seq_len`` ids of one document, every id trained on."""
    ids = document_ids(tokenizer, document.text)
    windows = [ids[start : start + max_seq_len] for start in range(0, len(ids), max_seq_len)]
    return [Example(input_ids=window, labels=list(window)) for window in windows]


def tokenize_all(tokenizer: ChatTokenizer, records: list[Record], max_seq_len: int) -> list[Example]:
    """Tokenizes every conversation that keeps at least one trainable id after truncation,
    and every document, window by window."""
    examples: list[Example] = []
    for record in records:
        if isinstance(record, Document):
            examples.extend(tokenize_document(tokenizer, record, max_seq_len))
        else:
            examples.append(tokenize(tokenizer, record, max_seq_len))
    return [example for example in examples if example.trainable_tokens > 0]
