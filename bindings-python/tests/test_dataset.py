"""validate() and convert(): the CLI's reports, typed; errors with codes; progress; async."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import brightrun
from conftest import REPO, CliJson

DATA = REPO / "examples" / "data"
CHAT = DATA / "sample_chat.jsonl"
SAMPLES = [DATA / "sample_v4.jsonl", CHAT]


@pytest.fixture()
def invalid_file(tmp_path: Path) -> Path:
    """A chat file with errors: a record without an assistant turn, bad JSON, a bad role."""
    path = tmp_path / "invalid.jsonl"
    good = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    lines = [
        json.dumps(good),
        json.dumps({"messages": [{"role": "user", "content": "Only a question"}]}),
        "{not json",
        json.dumps({"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "x"}]}),
        json.dumps(good),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_validate_is_the_clis_report(cli_json: CliJson, path: Path) -> None:
    report = brightrun.validate(path)
    assert report.to_dict() == cli_json("validate", str(path), exit_codes=(0, 1))
    assert json.loads(report.to_json()) == report.to_dict()


def test_options_are_the_clis_flags(cli_json: CliJson) -> None:
    path = DATA / "sample_chat.jsonl"
    report = brightrun.validate(path, format="chat", max_seq_len=16, min_examples=1000)
    expected = cli_json(
        "validate", str(path), "--format", "chat", "--max-seq-len", "16", "--min-examples", "1000", exit_codes=(0, 1)
    )
    assert report.to_dict() == expected
    assert not report.valid
    assert report.stats.max_seq_len == 16


def test_an_invalid_file_is_a_report_not_an_error(cli_json: CliJson, invalid_file: Path) -> None:
    report = brightrun.validate(invalid_file)
    assert report.to_dict() == cli_json("validate", str(invalid_file), exit_codes=(1,))
    assert not report.valid
    assert report.errors > 0 and sum(report.counts.values()) == report.errors + report.warnings + report.infos
    first = report.findings[0]
    assert isinstance(first, brightrun.Finding)
    assert first.severity in ("error", "warning", "info") and first.code in report.counts
    assert {f.line for f in report.findings if f.severity == "error"} >= {2, 3}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"dear diary\nthis is not a dataset\n", "invalid_json"),
        (b'{"prompt": "q", "answer": "a"}\n', "unknown_format"),
        (b"\xff\xfe{\x00}\x00\n\x00", "invalid_utf8"),
    ],
    ids=["text", "prompt-without-completion", "utf-16"],
)
def test_a_file_of_no_known_format_is_a_report(cli_json: CliJson, tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(content)
    report = brightrun.validate(path)
    assert report.to_dict() == cli_json("validate", str(path), exit_codes=(1,))
    assert not report.valid and report.format is None
    assert (report.findings[0].line, report.findings[0].code) == (1, code)


@pytest.mark.parametrize(
    ("content", "format_name"),
    [
        (b'{"prompt": "q", "completion": "a"}\n', "prompt_completion"),
        (b'{"instruction": "q", "input": "", "output": "a"}\n', "alpaca"),
        (b'{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}\n', "sharegpt"),
        (b'{"text": "A document for continued pretraining."}\n', "text"),
        (
            b'{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "a"}]}]}\n',
            "gemini",
        ),
    ],
    ids=["prompt-completion", "alpaca", "sharegpt", "text", "gemini"],
)
def test_the_shapes_users_have_are_recognised_as_the_cli_does(
    cli_json: CliJson, tmp_path: Path, content: bytes, format_name: str
) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(content)
    report = brightrun.validate(path, min_examples=1)
    assert report.to_dict() == cli_json("validate", str(path), "--min-examples", "1")
    assert report.valid and report.format == format_name


def test_message_weights_are_the_clis(cli_json: CliJson, tmp_path: Path) -> None:
    path = tmp_path / "weighted.jsonl"
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "A weak answer.", "weight": 0},
        {"role": "user", "content": "Again?"},
        {"role": "assistant", "content": "A good answer.", "weight": 1},
    ]
    path.write_text(json.dumps({"messages": messages}) + "\n")
    report = brightrun.validate(path, min_examples=1)
    assert report.to_dict() == cli_json("validate", str(path), "--min-examples", "1")
    weights = [(m.weight, m.is_trained) for m in report.sample_data[0].messages]
    assert weights == [(None, False), (0, False), (None, False), (None, True)]
    assert report.stats.training_pairs == 1


def test_the_report_has_typed_attributes() -> None:
    report = brightrun.validate(DATA / "sample_v4.jsonl")
    stats = report.stats
    assert isinstance(stats, brightrun.DatasetStats)
    assert report.format == "brightrun_lora_v4"
    assert stats.conversations > 0 and stats.training_pairs > 0 and stats.validation_pairs >= 0
    assert stats.total_tokens is not None and stats.trainable_tokens is not None
    assert 0 < stats.trainable_tokens <= stats.total_tokens
    assert stats.tokens_exact is False and stats.tokenizer
    assert isinstance(stats.roles, brightrun.RoleCounts)
    assert report.sample_data and isinstance(report.sample_data[0].messages[0], brightrun.Message)
    with pytest.raises(AttributeError):
        report.valid = False  # type: ignore[misc]


def test_progress_callback_sees_every_byte() -> None:
    path = DATA / "sample_chat.jsonl"
    calls: list[tuple[int, int]] = []
    brightrun.validate(path, progress=lambda read, total: calls.append((read, total)))
    size = path.stat().st_size
    assert calls and calls[-1] == (size, size)
    assert [read for read, _ in calls] == sorted({read for read, _ in calls})


def test_an_exception_in_the_progress_callback_is_raised() -> None:
    def stop(read: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        brightrun.validate(DATA / "sample_chat.jsonl", progress=stop)


def test_progress_true_shows_a_tqdm_bar(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    brightrun.validate(DATA / "sample_chat.jsonl", progress=True)
    assert "sample_chat.jsonl" in capsys.readouterr().err


def test_convert_is_the_clis(cli_json: CliJson, tmp_path: Path) -> None:
    path = DATA / "sample_v4.jsonl"
    summary = brightrun.convert(path, tmp_path / "py", validation_fraction=0.2)
    expected = cli_json("convert", str(path), "--out", str(tmp_path / "cli"), "--validation-fraction", "0.2")
    assert {**summary.to_dict(), "train_file": None, "validation_file": None} == {
        **expected,
        "train_file": None,
        "validation_file": None,
    }
    assert isinstance(summary.train_file, Path) and summary.train_file.exists()
    assert summary.train_file.read_bytes() == (tmp_path / "cli" / "train.jsonl").read_bytes()
    assert summary.validation_file.read_bytes() == (tmp_path / "cli" / "validation.jsonl").read_bytes()
    assert summary.train_conversations == len(summary.train_file.read_text().splitlines())


@pytest.mark.parametrize(
    ("call", "error", "code"),
    [
        (lambda: brightrun.validate("/nonexistent/data.jsonl"), brightrun.DatasetError, "dataset_not_found"),
        (lambda: brightrun.convert(REPO / "README.md", "/tmp"), brightrun.DatasetError, "unknown_dataset_format"),
        (lambda: brightrun.validate(CHAT, max_seq_len=-1), brightrun.DatasetError, "invalid_option"),
        (lambda: brightrun.validate(CHAT, format="csv"), brightrun.UnknownValueError, "unknown_value"),  # type: ignore[arg-type]
        (
            lambda: brightrun.validate(CHAT, tokenizer="/nonexistent/tokenizer.json"),
            brightrun.TokenizerError,
            "tokenizer_load_failed",
        ),
        (lambda: brightrun.convert(CHAT, "/tmp", validation_fraction=1.5), brightrun.DatasetError, "invalid_option"),
    ],
    ids=["missing", "convert-not-a-dataset", "max-seq-len", "format", "tokenizer", "fraction"],
)
def test_errors_have_codes(call: Callable[[], object], error: type[brightrun.BrightRunError], code: str) -> None:
    with pytest.raises(error) as caught:
        call()
    assert caught.value.code == code
    assert isinstance(caught.value, brightrun.BrightRunError)


def test_async_variants_give_the_sync_answers(tmp_path: Path) -> None:
    path = DATA / "sample_v4.jsonl"

    async def both() -> tuple[brightrun.ValidationReport, brightrun.ConvertSummary]:
        return await brightrun.validate_async(path), await brightrun.convert_async(path, tmp_path)

    report, summary = asyncio.run(both())
    assert report == brightrun.validate(path)
    assert summary.train_conversations == brightrun.convert(path, tmp_path / "sync").train_conversations


def test_async_errors_keep_their_code() -> None:
    async def missing() -> brightrun.ValidationReport:
        return await brightrun.validate_async("/nonexistent/data.jsonl")

    with pytest.raises(brightrun.DatasetError) as caught:
        asyncio.run(missing())
    assert caught.value.code == "dataset_not_found"


def test_the_gil_is_released_while_rust_validates(tmp_path: Path) -> None:
    # A file big enough to take a while; Python code runs in this thread meanwhile.
    path = tmp_path / "big.jsonl"
    path.write_bytes(CHAT.read_bytes() * 400)
    done = threading.Event()

    def work() -> None:
        brightrun.validate(path)
        done.set()

    worker = threading.Thread(target=work)
    spins = 0
    worker.start()
    while not done.is_set() and worker.is_alive():
        spins += 1
    worker.join()
    assert done.is_set()
    assert spins > 1000, "this thread barely ran while the validation did"


def test_async_variants_take_a_progress_callback() -> None:
    calls: list[tuple[int, int]] = []

    async def run() -> brightrun.ValidationReport:
        return await brightrun.validate_async(CHAT, progress=lambda read, total: calls.append((read, total)))

    assert asyncio.run(run()).valid
    size = CHAT.stat().st_size
    assert calls and calls[-1] == (size, size)
