"""One record of the canonical JSONL, as the trainer learns from it.

A line is ``{"messages": [{"role", "content", "weight"?}...], "tools"?}``: roles ``system``,
``user``, ``assistant`` and ``tool``, string content, and ``"weight": 0`` on an assistant
message that is read but not trained on (the BrightRun core writes it for OpenAI-style
weights), and ``reasoning_content`` on an assistant message that gives its reasoning before
its answer (trained on as the chat template prints it). Chat with tools: ``tools`` is the list
of tool definitions, an assistant message
may carry ``tool_calls`` (their ``arguments`` JSON objects) and a ``tool`` message its
``tool_call_id``. A ``tool`` message without ``tool_call_id`` is the result of a call the
assistant wrote in its text (Hermes' ``<tool_call>`` style): a message like any other. The
chat template sees ``role`` and ``content``, and ``tool_calls`` or
``tool_call_id`` where a message has them, never the weight.

A plain-text line is ``{"text": ...}``: a document for continued pretraining, read without a
chat template and trained on every token (:class:`Document`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brightrun_trainer.errors import DatasetError

ROLES = ("system", "user", "assistant", "tool")

Messages = list[dict[str, Any]]


@dataclass(frozen=True)
class Conversation:
    """The messages a chat template renders, and which of them the loss is computed on."""

    messages: Messages
    """``{"role", "content"}`` dicts (with ``tool_calls`` or ``tool_call_id``), as
    ``apply_chat_template`` takes them."""
    trained: tuple[bool, ...]
    """For each message, whether its tokens are learnt: an assistant message not weighted 0."""
    where: str
    """Where it was read (``train.jsonl line 3``), for errors."""
    tools: list[dict[str, Any]] | None = None
    """The tool definitions, as ``apply_chat_template(..., tools=...)`` takes them."""

    def uses_tools(self) -> bool:
        """Whether the conversation defines tools, calls one or holds the result of a call (by
        its id)."""
        return bool(self.tools) or any("tool_calls" in m or "tool_call_id" in m for m in self.messages)

    def reasons(self) -> bool:
        """Whether an assistant message of the conversation carries its reasoning."""
        return any("reasoning_content" in m for m in self.messages)

    @classmethod
    def parse(cls, raw: Any, where: str) -> Conversation:
        """A conversation from a parsed canonical line; anything else is a dataset error."""
        if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
            raise DatasetError(f"{where}: expected an object with a messages list")
        messages: Messages = []
        trained: list[bool] = []
        for index, message in enumerate(raw["messages"]):
            if (
                not isinstance(message, dict)
                or message.get("role") not in ROLES
                or not isinstance(message.get("content"), str)
            ):
                raise DatasetError(f"{where}: messages[{index}] needs a role in {ROLES} and string content")
            role = message["role"]
            weight = message.get("weight", 1)
            if "weight" in message and role != "assistant":
                raise DatasetError(
                    f"{where}: messages[{index}] is a {role} message with a weight; only assistant messages take one"
                )
            if isinstance(weight, bool) or weight not in (0, 1):
                raise DatasetError(f"{where}: messages[{index}].weight is {weight!r}; expected 0 or 1")
            messages.append({"role": role, "content": message["content"], **_extra_keys(message, index, where)})
            trained.append(role == "assistant" and weight == 1)
        tools = raw.get("tools")
        if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
            raise DatasetError(f"{where}: tools must be a list of tool definitions")
        return cls(messages, tuple(trained), where, tools)

    @property
    def texts(self) -> list[str]:
        """The texts the model reads, one a message."""
        return [message["content"] for message in self.messages]

    def leading_assistant(self) -> int | None:
        """The index of the assistant message that opens the conversation, when the first
        message after the system prompt is the assistant's."""
        for index, message in enumerate(self.messages):
            if message["role"] != "system":
                return index if message["role"] == "assistant" else None
        return None

    def with_empty_user_turn(self) -> Conversation | None:
        """The conversation with an empty user message before the assistant message that opens
        it, for a chat template that needs the user to speak first; ``None`` when the
        assistant does not open it."""
        at = self.leading_assistant()
        if at is None:
            return None
        messages = [*self.messages[:at], {"role": "user", "content": ""}, *self.messages[at:]]
        trained = (*self.trained[:at], False, *self.trained[at:])
        return Conversation(messages, trained, self.where, self.tools)


@dataclass(frozen=True)
class Document:
    """A plain-text document (continued pretraining): every token of it is trained on."""

    text: str
    where: str
    """Where it was read (``train.jsonl line 3``), for errors."""

    @classmethod
    def parse(cls, raw: Any, where: str) -> Document:
        """A document from a parsed ``{"text": ...}`` line; anything else is a dataset error."""
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or set(raw) != {"text"}:
            raise DatasetError(f"{where}: expected an object with a text string and no other key")
        return cls(raw["text"], where)

    @property
    def texts(self) -> list[str]:
        """The text the model reads."""
        return [self.text]


Record = Conversation | Document
"""What a canonical line holds."""


def parse_record(raw: Any, where: str) -> Record:
    """A conversation (``messages``) or a document (``text``) from a parsed canonical line."""
    if isinstance(raw, dict) and "text" in raw and "messages" not in raw:
        return Document.parse(raw, where)
    return Conversation.parse(raw, where)


def _extra_keys(message: dict[str, Any], index: int, where: str) -> dict[str, Any]:
    """The keys of a message the template sees besides its role and content: an assistant's
    ``tool_calls`` and ``reasoning_content`` (also as ``thinking``), a tool result's
    ``tool_call_id`` (none for the result of a call written in text) and ``name`` (the
    called function's)."""
    role = message["role"]
    keys: dict[str, Any] = {}
    if "tool_calls" in message:
        calls = message["tool_calls"]
        if role != "assistant" or not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
            raise DatasetError(f"{where}: messages[{index}].tool_calls must be a list of calls on an assistant message")
        keys["tool_calls"] = calls
    for key, (takes, article) in _STRING_KEYS.items():
        if key in message:
            value = message[key]
            if role != takes or not isinstance(value, str):
                raise DatasetError(f"{where}: messages[{index}].{key} must be a string on {article} {takes} message")
            keys[key] = value
    if "reasoning_content" in keys:
        # Under both names templates read it: Qwen3's and DeepSeek's ``reasoning_content``,
        # gpt-oss's ``thinking`` (the core gives it to the template the same way).
        keys["thinking"] = keys["reasoning_content"]
    return keys


# The string keys of a message the template sees, in the canonical line's order, each with
# the one role that takes it (and the article its name takes in an error).
_STRING_KEYS = {
    "tool_call_id": ("tool", "a"),
    "name": ("tool", "a"),
    "reasoning_content": ("assistant", "an"),
}
