"""Writes real vocabularies as Hugging Face tokenizer directories, offline, for the
differential tests of BrightRun's token counter (core/tests/real_vocabularies.rs), its fuzz
target and its benchmark. Usage: python scripts/vocab_fixtures.py OUT_DIR.

Every vocabulary is converted the way `transformers` converts it:

- cl100k and o200k (GPT-4, GPT-4o): the rank files shipped inside the `tiktoken-rs` crate,
  through `TikTokenConverter`, as Llama 3 and Qwen 2 were converted;
- GPT-2 (r50k): `encoder.json` and `vocab.bpe` from the same crate, through `GPT2Converter`;
- Mistral 7B v0.1: the SentencePiece `tokenizer.model.v1` shipped in the `mistral_common`
  wheel, through `SentencePieceExtractor` and `LlamaTokenizer`, and the same with the legacy
  normalizer the Hub's file has;
- Tekken: `tekken_240911.json` from the same wheel, through `convert_tekken_tokenizer`.

Chat templates are the models' own: ChatML (BrightRun's default, no configuration), Llama 3
Instruct and Mistral Instruct `[INST]`. A directory is written once; delete OUT_DIR to
rebuild. Each directory holds `tokenizer.json` and, where it has a template,
`tokenizer_config.json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from tokenizers import AddedToken, Regex, Tokenizer, normalizers, pre_tokenizers

LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2_PATTERN = LLAMA3_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}")
# tiktoken's own cl100k pattern: possessive quantifiers, which only fancy-regex runs.
TIKTOKEN_CL100K_PATTERN = (
    r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"
    r"|\s++$|\s*[\r\n]|\s+(?!\S)|\s"
)
O200K_PATTERN = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)

LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
LLAMA3_SPECIALS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
]
MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)
OPENAI_SPECIALS = ["<|endoftext|>", "<|endofprompt|>", "<|im_start|>", "<|im_end|>"]


def crate_assets(crate: str) -> Path:
    """The `assets` folder of a crate in the workspace's dependency graph."""
    root = Path(__file__).resolve().parent.parent
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for package in json.loads(metadata)["packages"]:
        if package["name"] == crate:
            return Path(package["manifest_path"]).parent / "assets"
    raise SystemExit(f"{crate} is not in Cargo.lock: it is a dev-dependency of brightrun-core")


def mistral_data() -> Path:
    import mistral_common

    return Path(mistral_common.__file__).parent / "data"


def tiktoken(rank_file: Path, pattern: str, specials: list[str]) -> Tokenizer:
    from transformers.convert_slow_tokenizer import TikTokenConverter

    converted: Tokenizer = TikTokenConverter(
        vocab_file=str(rank_file), pattern=pattern, extra_special_tokens=specials or None
    ).converted()
    return converted


def gpt2(assets: Path) -> Tokenizer:
    from transformers.convert_slow_tokenizer import GPT2Converter

    vocab = json.loads((assets / "encoder.json").read_text(encoding="utf-8"))
    lines = (assets / "vocab.bpe").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split(" ")) for line in lines[1:] if line]
    original = SimpleNamespace(
        add_prefix_space=False, bos_token="<|endoftext|>", eos_token="<|endoftext|>", add_bos_token=False
    )
    converted: Tokenizer = GPT2Converter(original).converted(vocab=vocab, merges=merges)
    converted.add_special_tokens([AddedToken("<|endoftext|>", special=True)])
    return converted


def mistral_v1(legacy: bool) -> Tokenizer:
    """Mistral 7B v0.1 as `transformers` 5 builds it from the SentencePiece model (a
    Metaspace pre-tokenizer), or as the Hub's file has it (`legacy`: a Prepend and Replace
    normalizer, no pre-tokenizer)."""
    from transformers import LlamaTokenizer
    from transformers.convert_slow_tokenizer import SentencePieceExtractor

    extracted = SentencePieceExtractor(str(mistral_data() / "tokenizer.model.v1")).extract(None)
    extracted.pop("_spm_precompiled_charsmap", None)
    converted: Tokenizer = LlamaTokenizer(**extracted).backend_tokenizer
    if legacy:
        converted.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
        converted.pre_tokenizer = None
    return converted


def tekken() -> Tokenizer:
    from transformers.integrations.mistral.tokenizer import convert_tekken_tokenizer

    backend = convert_tekken_tokenizer(str(mistral_data() / "tekken_240911.json"), chat_template=MISTRAL_TEMPLATE)
    converted: Tokenizer = backend.backend_tokenizer
    return converted


def with_pre_tokenizer(tokenizer: Tokenizer, pattern: str, nfc: bool = False) -> Tokenizer:
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    if nfc:
        tokenizer.normalizer = normalizers.NFC()
    return tokenizer


def config(template: str, bos: str, eos: str) -> dict[str, Any]:
    return {"chat_template": template, "bos_token": bos, "eos_token": eos}


def fixtures() -> dict[str, tuple[Callable[[], Tokenizer], dict[str, Any] | None]]:
    assets = crate_assets("tiktoken-rs")
    cl100k = assets / "cl100k_base.tiktoken"
    o200k = assets / "o200k_base.tiktoken"
    return {
        # The case: cl100k with no added token at all, counted with ChatML.
        "cl100k": (lambda: tiktoken(cl100k, LLAMA3_PATTERN, []), None),
        "cl100k-llama3": (
            lambda: tiktoken(cl100k, LLAMA3_PATTERN, LLAMA3_SPECIALS),
            config(LLAMA3_TEMPLATE, "<|begin_of_text|>", "<|eot_id|>"),
        ),
        "cl100k-possessive": (lambda: tiktoken(cl100k, TIKTOKEN_CL100K_PATTERN, OPENAI_SPECIALS), None),
        "qwen2-nfc": (
            lambda: with_pre_tokenizer(tiktoken(cl100k, LLAMA3_PATTERN, OPENAI_SPECIALS), QWEN2_PATTERN, nfc=True),
            None,
        ),
        "o200k": (lambda: tiktoken(o200k, O200K_PATTERN, OPENAI_SPECIALS), None),
        "gpt2": (lambda: gpt2(assets), None),
        "mistral-v1": (lambda: mistral_v1(legacy=False), config(MISTRAL_TEMPLATE, "<s>", "</s>")),
        "mistral-v1-legacy": (lambda: mistral_v1(legacy=True), config(MISTRAL_TEMPLATE, "<s>", "</s>")),
        "tekken": (tekken, config(MISTRAL_TEMPLATE, "<s>", "</s>")),
    }


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: vocab_fixtures.py OUT_DIR")
    out = Path(sys.argv[1])
    for name, (build, tokenizer_config) in fixtures().items():
        directory = out / name
        if (directory / "tokenizer.json").is_file():
            continue
        directory.mkdir(parents=True, exist_ok=True)
        if tokenizer_config is not None:
            (directory / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
        partial = directory / "tokenizer.json.partial"
        build().save(str(partial))
        partial.rename(directory / "tokenizer.json")
        print(f"wrote {directory}", file=sys.stderr)


if __name__ == "__main__":
    main()
