"""The training run: load, train with assistant-only loss, evaluate, save, announce.

The same loop runs alone or as one rank of a data-parallel group (:mod:`.distributed`):
each rank trains on its share of every global batch, gradients are averaged before the
optimiser step, and rank 0 alone reports and saves.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Any

from brightrun_trainer import __version__, artifacts, distributed, exit_codes
from brightrun_trainer.cancel import CancelFlag
from brightrun_trainer.data import IGNORE_INDEX, Example, fetch, load_conversations, tokenize_all
from brightrun_trainer.distributed import SINGLE, Rank
from brightrun_trainer.errors import DatasetError, OutOfMemoryError, WorkerError
from brightrun_trainer.model import apply_lora, load_base, pick_device
from brightrun_trainer.protocol import EventWriter
from brightrun_trainer.spec import SIGNED_URLS, JobSpec

OOM_ADVICE = "lower batch_size or max_seq_len, turn on gradient_checkpointing, or use 4bit quantization"


@dataclass
class Progress:
    """What the loop has done so far."""

    step: int = 0
    tokens: int = 0
    train_loss: float | None = None
    eval_loss: float | None = None


def _batches(examples: list[Example], batch_size: int, seed: int, epoch: int, rank: Rank = SINGLE) -> list[list[Example]]:
    """This rank's batches of the epoch. A batch is ``batch_size`` examples of one shuffled
    order, the same on every rank and the same however many ranks there are, so the run
    takes as many steps as one process would (and as the core counts). Each rank takes every
    ``world``-th example of it; a batch of fewer examples than ranks (the epoch's last, or
    ``batch_size`` below the GPUs) is topped up from the order's start, so that no rank sits
    a step out."""
    order = list(range(len(examples)))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if rank.distributed:
        batches = [batch + [order[i % len(order)] for i in range(rank.world - len(batch))] for batch in batches]
    return [[examples[i] for i in distributed.share(batch, rank)] for batch in batches]


def _collate(batch: list[Example], pad_id: int, device: str) -> dict[str, Any]:
    import torch

    width = max(len(example.input_ids) for example in batch)
    ids = [example.input_ids + [pad_id] * (width - len(example.input_ids)) for example in batch]
    labels = [example.labels + [IGNORE_INDEX] * (width - len(example.labels)) for example in batch]
    mask = [[1] * len(example.input_ids) + [0] * (width - len(example.input_ids)) for example in batch]
    return {
        "input_ids": torch.tensor(ids, device=device),
        "labels": torch.tensor(labels, device=device),
        "attention_mask": torch.tensor(mask, device=device),
    }


def _gpu_fields(device: str) -> dict[str, Any]:
    if device != "cuda":
        return {}
    import torch

    fields: dict[str, Any] = {"gpu_memory_used_gb": torch.cuda.max_memory_allocated() / 1e9}
    try:
        fields["gpu_utilization_percent"] = float(torch.cuda.utilization())
    except Exception:  # noqa: BLE001 - utilisation needs pynvml; memory alone is still useful
        pass
    return fields


def evaluate(model: Any, examples: list[Example], batch_size: int, pad_id: int, device: str, rank: Rank = SINGLE) -> float:
    """Mean loss per trainable token over ``examples`` (each rank evaluates its share)."""
    import torch

    model.eval()
    total_loss, total_tokens = 0.0, 0
    examples = distributed.share(examples, rank)
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = examples[start : start + batch_size]
            tokens = sum(max(example.trainable_tokens - 1, 0) for example in batch) or 1
            loss = model(**_collate(batch, pad_id, device)).loss
            total_loss += float(loss) * tokens
            total_tokens += tokens
    model.train()
    loss_sum, token_sum = distributed.sum_over_ranks([total_loss, float(total_tokens)], rank, device)
    return loss_sum / max(token_sum, 1.0)


def save_adapter(model: Any, tokenizer: Any, spec: JobSpec, events: EventWriter) -> None:
    """Writes the adapter and tokenizer, announces each file, and uploads where asked."""
    out = spec.output_dir / "adapter"
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    artifacts.name_base_model(out, spec.base_model)
    for artifact in artifacts.collect(out):
        url = spec.upload_urls.get(artifact.name)
        if url:
            artifacts.upload(artifact, url)
        elif spec.transfer == SIGNED_URLS:
            raise WorkerError(f"no upload URL for {artifact.name}: the control plane cannot see this machine's files")
        events.emit("artifact", name=artifact.name, bytes=artifact.bytes, sha256=artifact.sha256, path=str(artifact.path))


def run(spec: JobSpec, events: EventWriter, cancel: CancelFlag, rank: Rank = SINGLE) -> int:
    """Trains per ``spec`` (as ``rank`` of a data-parallel group) and returns the protocol
    exit code."""
    import torch

    try:
        return _run(spec, events, cancel, rank)
    except torch.cuda.OutOfMemoryError as error:
        raise OutOfMemoryError(f"out of GPU memory: {OOM_ADVICE}") from error
    finally:
        distributed.stop(rank)


def _run(spec: JobSpec, events: EventWriter, cancel: CancelFlag, rank: Rank) -> int:
    import torch
    from transformers import get_linear_schedule_with_warmup

    began = time.monotonic()
    hp = spec.hyperparameters
    torch.manual_seed(spec.seed)
    device = pick_device()
    if rank.distributed:
        distributed.start(rank, device)
    events.emit("phase", phase="loading")
    scratch = spec.output_dir / "scratch"
    train_conversations = load_conversations(fetch(spec.train, scratch))
    validation_conversations = load_conversations(fetch(spec.validation, scratch)) if spec.validation else []
    if not train_conversations:
        raise DatasetError("the training split has no conversations")
    tokenizer, model = load_base(spec, train_conversations + validation_conversations, device)
    train = tokenize_all(tokenizer, train_conversations, hp.max_seq_len)
    validation = tokenize_all(tokenizer, validation_conversations, hp.max_seq_len)
    if not train:
        raise DatasetError("no training conversation keeps an assistant token within max_seq_len")
    model = apply_lora(model.to(device) if spec.is_smoke else model, hp)
    model.train()

    steps_per_epoch = math.ceil(math.ceil(len(train) / hp.batch_size) / hp.gradient_accumulation_steps)
    total_steps = steps_per_epoch * hp.epochs
    if spec.max_steps is not None:
        total_steps = min(total_steps, spec.max_steps)
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    distributed.broadcast_parameters(trainable, rank)
    optimizer = torch.optim.AdamW(trainable, lr=hp.learning_rate, weight_decay=hp.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, min(hp.warmup_steps, total_steps), total_steps)
    events.emit(
        "started",
        job_id=spec.job_id,
        base_model=spec.base_model,
        smoke_model=spec.is_smoke,
        device=device,
        total_steps=total_steps,
        epochs=hp.epochs,
        train_examples=len(train),
        validation_examples=len(validation),
        trainable_parameters=sum(parameter.numel() for parameter in trainable),
        processes=rank.world,
        trainer_version=__version__,
    )
    events.emit("phase", phase="training")
    pad_id = tokenizer.pad_token_id
    progress = Progress()
    window_tokens, window_start = 0, time.monotonic()
    for epoch in range(hp.epochs):
        batches = _batches(train, hp.batch_size, spec.seed, epoch, rank)
        for group_start in range(0, len(batches), hp.gradient_accumulation_steps):
            if progress.step >= total_steps:
                break
            group = batches[group_start : group_start + hp.gradient_accumulation_steps]
            step_loss, step_tokens = 0.0, 0
            for batch in group:
                loss = model(**_collate(batch, pad_id, device)).loss
                (loss / len(group)).backward()
                step_loss += float(loss) / len(group)
                step_tokens += sum(len(example.input_ids) for example in batch)
            distributed.average_gradients(trainable, rank)
            # One all-reduce for the step's loss, tokens and whether any rank was asked to
            # stop, so that every rank stops after the same step.
            losses, tokens, stops = distributed.sum_over_ranks(
                [step_loss, float(step_tokens), float(cancel.requested)], rank, device
            )
            step_loss, stop = losses / rank.world, stops > 0
            window_tokens += int(tokens)
            grad_norm = float(torch.nn.utils.clip_grad_norm_(trainable, hp.max_grad_norm))
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            progress.step += 1
            progress.train_loss = step_loss
            if progress.step % spec.logging_steps == 0 or progress.step == total_steps:
                elapsed = max(time.monotonic() - window_start, 1e-9)
                events.emit(
                    "metric",
                    step=progress.step,
                    total_steps=total_steps,
                    epoch=epoch + (group_start + len(group)) / len(batches),
                    loss=step_loss,
                    learning_rate=scheduler.get_last_lr()[0],
                    grad_norm=grad_norm,
                    tokens_per_second=window_tokens / elapsed,
                    **_gpu_fields(device),
                )
                progress.tokens += window_tokens
                window_tokens, window_start = 0, time.monotonic()
            if stop:
                events.emit("phase", phase="saving")
                if rank.is_main:
                    save_adapter(model, tokenizer, spec, events)
                events.emit("cancelled", step=progress.step, total_steps=total_steps, partial_adapter=True)
                return exit_codes.CANCELLED
        if validation:
            events.emit("phase", phase="evaluating")
            progress.eval_loss = evaluate(model, validation, hp.batch_size, pad_id, device, rank)
            events.emit("eval", step=progress.step, epoch=epoch + 1, eval_loss=progress.eval_loss)
            events.emit("phase", phase="training")
        if progress.step >= total_steps:
            break
    events.emit("phase", phase="saving")
    if rank.is_main:
        save_adapter(model, tokenizer, spec, events)
    events.emit(
        "completed",
        steps=progress.step,
        epochs=hp.epochs,
        train_loss=progress.train_loss,
        eval_loss=progress.eval_loss,
        tokens=progress.tokens + window_tokens,
        duration_seconds=time.monotonic() - began,
    )
    return exit_codes.COMPLETED
