"""Datasets in memory: validate(), convert() and datasets.create() take a list of records, a
pandas DataFrame, a datasets.Dataset or bytes, and give what the same records in a file give."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import datasets  # type: ignore[import-untyped]
import pandas
import pytest

import brightrun

RECORDS: list[dict[str, Any]] = [
    {"prompt": "The capital of France is", "completion": " Paris."},
    {"prompt": "1, 2, 3,", "completion": " 4", "split": "validation"},
    {"prompt": "Unanswered", "completion": ""},
    {"prompt": "Translate: cat", "completion": " chat"},
]


@pytest.fixture()
def as_file(tmp_path: Path) -> Path:
    """The records as a JSONL file, as pandas writes them (a missing key is null)."""
    path = tmp_path / "records.jsonl"
    pandas.DataFrame(RECORDS).to_json(path, orient="records", lines=True, force_ascii=False)
    return path


def comparable(report: brightrun.ValidationReport) -> dict[str, Any]:
    """The report without the input's size, which differs between forms of the same records."""
    data = report.to_dict()
    del data["stats"]["bytes"]
    return data


@pytest.mark.parametrize(
    "form",
    [
        lambda: RECORDS,
        lambda: iter(RECORDS),
        lambda: pandas.DataFrame(RECORDS),
        lambda: datasets.Dataset.from_pandas(pandas.DataFrame(RECORDS)),
        lambda: pandas.DataFrame(RECORDS).to_json(orient="records", lines=True).encode(),
    ],
    ids=["list", "iterator", "DataFrame", "datasets.Dataset", "bytes"],
)
def test_records_in_memory_validate_as_the_same_records_in_a_file(form: Any, as_file: Path) -> None:
    from_file = brightrun.validate(as_file, min_examples=1)
    report = brightrun.validate(form(), min_examples=1)
    assert report.format == "prompt_completion"
    assert comparable(report) == comparable(from_file)
    assert [(f.line, f.code) for f in report.findings] == [(3, "empty_content")], "record n is line n"


def test_a_dataframe_converts_as_its_file(tmp_path: Path, as_file: Path) -> None:
    frame = pandas.DataFrame(RECORDS)
    summary = brightrun.convert(frame, tmp_path / "a", validation_fraction=0.0)
    expected = brightrun.convert(as_file, tmp_path / "b")
    assert (summary.train_conversations, summary.validation_conversations, summary.skipped_invalid) == (2, 1, 1)
    assert (expected.train_conversations, expected.validation_conversations) == (2, 1)
    for name in ("train.jsonl", "validation.jsonl"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


# TRL's conversational prompt/completion and LLaMA-Factory's Alpaca with history.
TRL_RECORDS: list[dict[str, Any]] = [
    {"prompt": [{"role": "user", "content": "The capital of France?"}],
     "completion": [{"role": "assistant", "content": "Paris."}]},
    {"prompt": [{"role": "user", "content": "1, 2"}, {"role": "assistant", "content": "3"},
                {"role": "user", "content": "next"}],
     "completion": [{"role": "assistant", "content": "4"}]},
]
ALPACA_HISTORY: list[dict[str, Any]] = [
    {"instruction": "And 3+3?", "input": "", "output": "6", "history": [["What is 2+2?", "4"]]},
]


def test_earlier_turns_are_read_from_a_hugging_face_dataset(tmp_path: Path) -> None:
    """The prompt's messages are context (its reply written with weight 0); the history is trained on."""
    dataset = datasets.Dataset.from_list(TRL_RECORDS)
    report = brightrun.validate(dataset, min_examples=1)
    assert (report.format, report.valid, report.stats.training_pairs) == ("prompt_completion", True, 2)
    summary = brightrun.convert(dataset, tmp_path, validation_fraction=0.0)
    assert summary.train_conversations == 2
    lines = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert lines[1]["messages"][1] == {"role": "assistant", "content": "3", "weight": 0}

    alpaca = brightrun.validate(datasets.Dataset.from_list(ALPACA_HISTORY), min_examples=1)
    assert (alpaca.format, alpaca.valid, alpaca.stats.training_pairs) == ("alpaca", True, 2)


WEATHER = {"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
# LLaMA-Factory's ShareGPT with tool calls, as its Hub datasets hold it: `tools` is JSON text.
TOOL_TURNS: list[dict[str, Any]] = [
    {"conversations": [{"from": "human", "value": "Weather in Oslo?"},
                       {"from": "function_call", "value": json.dumps({"name": "weather", "arguments": {"city": "Oslo"}})},
                       {"from": "observation", "value": "9 C"},
                       {"from": "gpt", "value": "9 degrees."}],
     "tools": json.dumps([WEATHER])},
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}], "tools": ""},
]


def test_tool_calls_are_read_from_a_llama_factory_dataset(tmp_path: Path) -> None:
    """A function_call turn is the assistant's call, the observation its result; "" is no tools."""
    dataset = datasets.Dataset.from_list(TOOL_TURNS)
    report = brightrun.validate(dataset, min_examples=1)
    assert (report.format, report.valid, report.stats.training_pairs) == ("sharegpt", True, 3)
    brightrun.convert(dataset, tmp_path, validation_fraction=0.0)
    lines = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    call = {"id": "call00001", "type": "function", "function": {"name": "weather", "arguments": {"city": "Oslo"}}}
    assert lines[0]["messages"][1:3] == [
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "9 C", "tool_call_id": "call00001", "name": "weather"},
    ]
    assert lines[0]["tools"] == [{"type": "function", "function": WEATHER}]
    assert "tools" not in lines[1]


def test_async_forms_and_progress() -> None:
    seen: list[tuple[int, int]] = []

    async def run() -> brightrun.ValidationReport:
        return await brightrun.validate_async(RECORDS, min_examples=1, progress=lambda r, t: seen.append((r, t)))

    report = asyncio.run(run())
    assert report.stats.records == len(RECORDS)
    size = len(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in RECORDS))
    assert seen and seen[-1] == (size, size)


def test_what_is_not_a_dataset_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="a single record was given"):
        brightrun.validate(RECORDS[0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        brightrun.validate(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="record 2 cannot be written as JSON"):
        brightrun.validate([RECORDS[0], {"prompt": object(), "completion": "x"}])


def test_values_json_does_not_know_are_written_plainly() -> None:
    from decimal import Decimal

    import numpy  # installed with torch by scripts/python-env: never skipped

    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    records = [{"messages": messages, "weight": numpy.int64(1), "score": Decimal("0.5"), "embedding": numpy.zeros(2)}]
    report = brightrun.validate(records, min_examples=1)
    assert report.valid, report.findings


def test_records_that_are_not_objects_are_findings() -> None:
    report = brightrun.validate([RECORDS[0], "text", [1, 2]], min_examples=1)  # type: ignore[list-item]
    assert [(f.line, f.code) for f in report.findings] == [(2, "not_an_object"), (3, "not_an_object")]


def test_datasets_create_takes_records(tmp_path: Path) -> None:
    with brightrun.BrightRun(home=tmp_path / "home") as client:
        dataset = client.datasets.create(pandas.DataFrame(RECORDS), name="from a frame")
        assert (dataset.name, dataset.file_name, dataset.format) == ("from a frame", "records.jsonl", "prompt_completion")
        done = client.datasets.wait(dataset.id, timeout=120)
        assert done.status == "error"  # the empty completion (and fewer than 10 examples)
        report = client.datasets.report(dataset.id)
        assert report is not None and (3, "empty_content") in [(f.line, f.code) for f in report.findings]
        assert not list((tmp_path / "home").rglob("brightrun-upload-*")), "no temporary file is left"
