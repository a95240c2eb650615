"""Reading chat JSONL and assistant-only labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brightrun_trainer.conversation import Conversation
from brightrun_trainer.data import DEFAULT_CHAT_TEMPLATE, IGNORE_INDEX, Example, load_conversations, render, tokenize
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
    assert trained_text(chatml, as_written).startswith("Hello,"), "after the generation prompt, as the core counts"

    # A template that fails on no messages (it reads the first one's role): from the start.
    reads_first = "{% if messages[0]['role'] == 'system' %}!{% endif %}"
    first_role = smoke_tokenizer(messages, reads_first + DEFAULT_CHAT_TEMPLATE)
    from_start = tokenize(first_role, conversation(messages), max_seq_len=512)
    assert trained_text(first_role, from_start).startswith("<|im_start|>assistant\nHello,")


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


TEXTS = [
    "A short document.",
    "A longer document that goes on about the weather, the sea and the hills, long enough for windows.",
]


def test_text_lines_are_documents_and_bad_ones_are_dataset_errors_naming_the_line(tmp_path: Path) -> None:
    from brightrun_trainer.conversation import Document

    path = write_jsonl(tmp_path / "t.jsonl", [{"text": text} for text in TEXTS])
    assert load_conversations(path) == [Document(TEXTS[0], "t.jsonl line 1"), Document(TEXTS[1], "t.jsonl line 2")]
    for bad in [{"text": 3}, {"text": "a", "url": "u"}, {"text": None}]:
        path = write_jsonl(tmp_path / "bad.jsonl", [{"text": "fine"}, bad])
        with pytest.raises(DatasetError, match="bad.jsonl line 2: expected an object with a text string"):
            load_conversations(path)


@pytest.mark.torch
def test_a_document_is_trained_on_every_token_in_windows_with_eos(tmp_path: Path) -> None:
    from tokenizers import processors

    from brightrun_trainer import smoke
    from brightrun_trainer.data import document_ids, tokenize_all

    tokenizer = smoke.build_tokenizer(TEXTS)
    records = load_conversations(write_jsonl(tmp_path / "t.jsonl", [{"text": text} for text in TEXTS]))
    eos = tokenizer.eos_token_id
    for text in TEXTS:
        assert document_ids(tokenizer, text) == [*tokenizer.encode(text, add_special_tokens=False), eos]
    lengths = [len(document_ids(tokenizer, text)) for text in TEXTS]
    examples = tokenize_all(tokenizer, records, max_seq_len=8)
    assert len(examples) == sum(-(-length // 8) for length in lengths), "windows of 8, the last shorter"
    assert all(example.labels == example.input_ids and len(example.input_ids) <= 8 for example in examples)
    assert sum(example.trainable_tokens for example in examples) == sum(lengths), "nothing dropped"
    assert [i for example in examples for i in example.input_ids] == [
        i for text in TEXTS for i in document_ids(tokenizer, text)
    ]
    # A tokenizer that adds BOS keeps it, and EOS is still appended once.
    bos = tokenizer.convert_tokens_to_ids("<s>")
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", bos)]
    )
    assert document_ids(tokenizer, TEXTS[0]) == [bos, *tokenizer.encode(TEXTS[0], add_special_tokens=False), eos]
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single=f"<s> $A {tokenizer.eos_token}", special_tokens=[("<s>", bos), (tokenizer.eos_token, eos)]
    )
    assert document_ids(tokenizer, TEXTS[0]).count(eos) == 1, "a post-processor's EOS is not doubled"


# Qwen2.5's chat template, which renders tools (the core's tests count with the same file).
TOOLS_TEMPLATE = (
    Path(__file__).resolve().parents[2] / "core/src/dataset/tests/fixtures/tools_template.jinja"
).read_text(encoding="utf-8")

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def tool_conversation() -> dict[str, Any]:
    """A canonical line of chat with tools, as the core's `convert` writes it."""
    return {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
                ],
            },
            {"role": "tool", "content": "21 C", "tool_call_id": "c1", "name": "get_weather"},
            {"role": "assistant", "content": "It is 21 C.", "weight": 1},
        ],
        "tools": [WEATHER],
    }


def test_the_result_of_a_call_written_in_text_is_a_message_like_any_other() -> None:
    call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    line = {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": call},
            {"role": "tool", "content": "<tool_response>\n21 C\n</tool_response>"},
            {"role": "assistant", "content": "It is 21 C."},
        ]
    }
    loaded = Conversation.parse(line, "test line 1")
    assert loaded.messages[2] == {"role": "tool", "content": "<tool_response>\n21 C\n</tool_response>"}
    assert loaded.trained == (False, True, False, True)
    assert not loaded.uses_tools(), "no tools, no calls: any chat template renders it"


def test_tool_calls_results_and_tools_are_read_for_the_template() -> None:
    loaded = Conversation.parse(tool_conversation(), "test line 1")
    assert loaded.tools == [WEATHER]
    assert loaded.trained == (False, True, False, True)
    assert loaded.messages[1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}
    assert loaded.messages[2] == {"role": "tool", "content": "21 C", "tool_call_id": "c1", "name": "get_weather"}
    assert loaded.messages[3] == {"role": "assistant", "content": "It is 21 C."}, "never the weight"
    assert loaded.uses_tools()
    bad = tool_conversation()
    bad["messages"][2]["tool_call_id"] = 7
    with pytest.raises(DatasetError, match=r"messages\[2\].tool_call_id must be a string on a tool message"):
        Conversation.parse(bad, "test line 1")
    bad = tool_conversation()
    bad["messages"][1]["name"] = "get_weather"
    with pytest.raises(DatasetError, match=r"messages\[1\].name must be a string on a tool message"):
        Conversation.parse(bad, "test line 1")
    bad = tool_conversation()
    bad["messages"][1]["tool_call_id"] = "c1"
    with pytest.raises(DatasetError, match=r"messages\[1\].tool_call_id must be a string on a tool message"):
        Conversation.parse(bad, "test line 1")
    bad = tool_conversation()
    bad["messages"][0]["tool_calls"] = []
    with pytest.raises(DatasetError, match=r"messages\[0\].tool_calls must be a list of calls on an assistant"):
        Conversation.parse(bad, "test line 1")


@pytest.mark.torch
def test_tool_calls_are_trained_on_as_the_template_writes_them_and_results_are_not() -> None:
    line = tool_conversation()
    tokenizer = smoke_tokenizer(line["messages"], TOOLS_TEMPLATE)
    example = tokenize(tokenizer, Conversation.parse(line, "test line 1"), max_seq_len=4096)
    text = tokenizer.decode(example.input_ids)
    assert '<tools>\n{"type": "function", "function": {"name": "get_weather"' in text
    assert "<tool_response>\n21 C\n</tool_response>" in text
    assert trained_text(tokenizer, example) == (
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n'
        "It is 21 C.<|im_end|>\n"
    )


@pytest.mark.torch
def test_a_template_that_cannot_render_tools_is_a_dataset_error() -> None:
    line = tool_conversation()
    conversation_ = Conversation.parse(line, "test line 1")
    chatml = smoke_tokenizer(line["messages"])
    with pytest.raises(DatasetError, match="test line 1: .*default ChatML"):
        tokenize(chatml, conversation_, max_seq_len=4096)
    ignoring = smoke_tokenizer(line["messages"], "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}")
    with pytest.raises(DatasetError, match="never prints the `tools` definitions"):
        tokenize(ignoring, conversation_, max_seq_len=4096)
    with pytest.raises(DatasetError, match="test line 1: the chat template refuses this conversation"):
        tokenize(smoke_tokenizer(line["messages"], MISTRAL_TEMPLATE), conversation_, max_seq_len=4096)


# A chat template that prints an assistant's reasoning before its answer, as Qwen3's does.
REASONING_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n"
    "{% if m.reasoning_content is string %}<think>\n{{ m.reasoning_content }}\n</think>\n\n{% endif %}"
    "{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def reasoned() -> dict[str, Any]:
    """A canonical line whose answer carries its reasoning."""
    return {
        "messages": [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4", "reasoning_content": "Two and two make four."},
        ]
    }


def test_reasoning_is_read_on_assistant_messages_only() -> None:
    loaded = Conversation.parse(reasoned(), "test line 1")
    reasoning = "Two and two make four."
    assert loaded.messages[1] == {"role": "assistant", "content": "4", "reasoning_content": reasoning, "thinking": reasoning}
    assert loaded.reasons() and not loaded.uses_tools()
    bad = reasoned()
    bad["messages"][0]["reasoning_content"] = "mine"
    with pytest.raises(DatasetError, match=r"messages\[0\].reasoning_content must be a string on an assistant"):
        Conversation.parse(bad, "test line 1")


@pytest.mark.torch
def test_reasoning_is_trained_on_as_the_template_prints_it() -> None:
    line = reasoned()
    texts = [*line["messages"], {"content": "Two and two make four."}]
    tokenizer = smoke_tokenizer(texts, REASONING_TEMPLATE)
    example = tokenize(tokenizer, Conversation.parse(line, "test line 1"), max_seq_len=4096)
    assert trained_text(tokenizer, example) == "<think>\nTwo and two make four.\n</think>\n\n4<|im_end|>\n"

    # gpt-oss's template reads it as `thinking`.
    gpt_oss = smoke_tokenizer(texts, REASONING_TEMPLATE.replace("m.reasoning_content", "m.thinking"))
    example = tokenize(gpt_oss, Conversation.parse(line, "test line 1"), max_seq_len=4096)
    assert trained_text(gpt_oss, example) == "<think>\nTwo and two make four.\n</think>\n\n4<|im_end|>\n"


@pytest.mark.torch
def test_a_template_that_never_prints_reasoning_is_a_dataset_error() -> None:
    line = reasoned()
    conversation_ = Conversation.parse(line, "test line 1")
    with pytest.raises(DatasetError, match="test line 1: .*reasoning, .*default ChatML"):
        tokenize(smoke_tokenizer(line["messages"]), conversation_, max_seq_len=4096)
    answers_only = smoke_tokenizer(line["messages"], REASONING_TEMPLATE.replace("m.reasoning_content is string", "false"))
    with pytest.raises(DatasetError, match="never prints an assistant's `reasoning_content`"):
        tokenize(answers_only, conversation_, max_seq_len=4096)


@pytest.mark.torch
def test_an_answer_rendered_otherwise_once_the_conversation_goes_on_is_trained_as_the_whole_text_holds_it() -> None:
    # Qwen3's way: the reasoning is printed on the last answer only.
    template = REASONING_TEMPLATE.replace("m.reasoning_content is string", "loop.last and m.reasoning_content")
    line = {
        "messages": [
            {"role": "user", "content": "Is 91 prime?"},
            {"role": "assistant", "content": "No.", "reasoning_content": "Seven times thirteen."},
            {"role": "user", "content": "And 97?"},
            {"role": "assistant", "content": "Yes.", "reasoning_content": "No divisor."},
        ]
    }
    texts = [*line["messages"], {"content": "Seven times thirteen."}, {"content": "No divisor."}]
    tokenizer = smoke_tokenizer(texts, template)
    example = tokenize(tokenizer, Conversation.parse(line, "test line 1"), max_seq_len=4096)
    assert "Seven" not in tokenizer.decode(example.input_ids), "the earlier reasoning is not in the whole text"
    assert trained_text(tokenizer, example) == "No.<|im_end|>\n<think>\nNo divisor.\n</think>\n\nYes.<|im_end|>\n"


def test_a_turn_is_placed_in_the_whole_text_by_the_cores_rule() -> None:
    from brightrun_trainer.data import turn_span

    def span(text: str, prompt_asked: tuple[str, str], through_answer: tuple[str, str]) -> str:
        before, end = turn_span(text, prompt_asked, through_answer)
        return text[before:end]

    # Qwen3's: the earlier answer loses the `<think>` block its own rendering has.
    ask = "<|im_start|>user\n91?<|im_end|>\n<|im_start|>assistant\n"
    text = ask + "No.<|im_end|>\n<|im_start|>user\n97?<|im_end|>\n<|im_start|>assistant\n<think>x</think>Yes.<|im_end|>\n"
    assert span(text, (ask, "91?"), (ask + "<think>7 × 13</think>No.<|im_end|>\n", "No.")) == "No.<|im_end|>\n"
    # Mistral's: the system prompt in the last user message.
    text = "[INST] 91? [/INST]No.</s>[INST] Be brief.\n\n97? [/INST]Yes.</s>"
    prompt = "[INST] Be brief.\n\n91? [/INST]"
    assert span(text, (prompt, "91?"), (prompt + "No.</s>", "No.")) == "No.</s>"
    # A mark on the last message's header: the answer, never the user's text before it.
    text = "<|im_start|>user\n97?<|im_end|>\n<|im_start|>assistant (last)\nYes.<|im_end|>\n"
    prompt = "<|im_start|>user (last)\n97?<|im_end|>\n<|im_start|>assistant\n"
    assert span(text, (prompt, "97?"), (text, "Yes.")) == "<|im_end|>\n<|im_start|>assistant (last)\nYes.<|im_end|>\n"
    # A mark after the last message's text: the turn ends where the renderings part.
    text = "hi Hello!\n\né 🙂!"
    assert span(text, ("hi!", "hi"), ("hi Hello!\n\n!", " Hello!\n\n")) == " Hello!\n\n"


def test_a_long_repeated_answer_is_placed_in_linear_time() -> None:
    from brightrun_trainer.data import turn_span

    long = "a" * (1 << 16)
    text = f"q</s>h{long}</s>next"
    through = f"q</s>h<think>{long}</think>{long}</s>"
    assert turn_span(text, ("q</s>h", "q"), (through, long)) == (len("q</s>h"), len(text) - len("next"))
