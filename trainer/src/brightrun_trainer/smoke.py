"""The smoke model: a tiny, randomly initialised Llama-architecture model for CPUs.

It exists so the whole pipeline trains for real, in seconds, on a machine without a GPU or
network. It is never passed off as a real model: its id is ``smoke``, its adapter config
names it so, and it learns only the statistics of the dataset it is given. Its tokenizer is
a byte-level BPE trained on that dataset, so both are built locally and deterministically
from the dataset and the seed.
"""

from __future__ import annotations

from typing import Any, Iterable

SPECIAL_TOKENS = ("<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
VOCAB_SIZE = 512
HIDDEN_SIZE = 128
INTERMEDIATE_SIZE = 256
LAYERS = 2
ATTENTION_HEADS = 4
KV_HEADS = 2


def build_tokenizer(texts: Iterable[str]) -> Any:
    """A byte-level BPE tokenizer trained on ``texts``, with ChatML special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from brightrun_trainer.data import DEFAULT_CHAT_TEMPLATE

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="<|im_end|>",
        pad_token="<pad>",
        unk_token=None,
    )
    tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE
    return tokenizer


def build_model(tokenizer: Any, max_seq_len: int, seed: int) -> Any:
    """A randomly initialised tiny Llama for ``tokenizer``, the same for the same seed."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN_SIZE,
        intermediate_size=INTERMEDIATE_SIZE,
        num_hidden_layers=LAYERS,
        num_attention_heads=ATTENTION_HEADS,
        num_key_value_heads=KV_HEADS,
        max_position_embeddings=max(max_seq_len, 128),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config)
