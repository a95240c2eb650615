"""Loading the base model and tokenizer, and wrapping the model with LoRA."""

from __future__ import annotations

import os
from typing import Any

from brightrun_trainer import smoke
from brightrun_trainer.conversation import Record
from brightrun_trainer.errors import SpecError
from brightrun_trainer.spec import Hyperparameters, JobSpec


DEVICE_VAR = "BRIGHTRUN_TRAINER_DEVICE"
DEVICES = ("auto", "cpu", "cuda")


def pick_device() -> str:
    """``cuda`` when a GPU is usable, else ``cpu``; ``$BRIGHTRUN_TRAINER_DEVICE`` (``cpu``,
    ``cuda`` or ``auto``) overrides the choice, e.g. to train on the CPU of a GPU machine."""
    import torch

    wanted = os.environ.get(DEVICE_VAR, "auto") or "auto"
    if wanted not in DEVICES:
        raise SpecError(f"{DEVICE_VAR} must be one of {', '.join(DEVICES)}, not {wanted!r}")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise SpecError(f"{DEVICE_VAR}=cuda, and torch sees no usable CUDA GPU here")
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def _quantization_config(hp: Hyperparameters, device: str) -> Any:
    if hp.quantization == "none":
        return None
    if device != "cuda":
        raise SpecError(f"{hp.quantization} quantization needs a CUDA GPU (bitsandbytes); use none on a CPU")
    import torch
    from transformers import BitsAndBytesConfig

    if hp.quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def load_base(spec: JobSpec, records: list[Record], device: str) -> tuple[Any, Any]:
    """The tokenizer and base model: the smoke model, or one by Hub id or local directory."""
    hp = spec.hyperparameters
    quantization = _quantization_config(hp, device)
    if spec.is_smoke:
        if quantization is not None:
            raise SpecError("the smoke model trains unquantised: use quantization none")
        texts = (text for record in records for text in record.texts)
        tokenizer = smoke.build_tokenizer(texts)
        return tokenizer, smoke.build_model(tokenizer, hp.max_seq_len, spec.seed)

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(spec.base_model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    use_bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    model = AutoModelForCausalLM.from_pretrained(
        spec.base_model,
        dtype=torch.bfloat16 if use_bf16 else torch.float32,
        quantization_config=quantization,
        device_map={"": torch.cuda.current_device()} if device == "cuda" else None,
    )
    return tokenizer, model


def linear_module_names(model: Any) -> set[str]:
    """The last name component of every linear layer (what LoRA can target)."""
    import torch

    return {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)}


def apply_lora(model: Any, hp: Hyperparameters) -> Any:
    """Freezes the base and adds LoRA adapters on the target modules."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    available = linear_module_names(model)
    missing = [name for name in hp.target_modules if name not in available]
    if missing:
        raise SpecError(
            f"target modules {missing} are not linear layers of this model; it has {sorted(available)}"
        )
    if hp.quantization != "none":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=hp.gradient_checkpointing)
    if hp.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
    config = LoraConfig(
        r=hp.lora_rank,
        lora_alpha=hp.lora_alpha,
        lora_dropout=hp.lora_dropout,
        target_modules=list(hp.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)
