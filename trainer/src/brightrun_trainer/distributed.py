"""Data-parallel training inside one rank: its place in the group and the collectives the loop needs.

A job whose spec asks ``gpus`` N > 1 runs as N processes (ranks) started by
:mod:`brightrun_trainer.launcher`. Every rank loads the same model and data, takes its share
of each batch (``batch_size`` is the batch of the whole step, as the core estimates it:
about ``batch_size / N`` examples a rank, so a run takes the same steps on any number of
GPUs, each faster), and averages its LoRA gradients with the others before each optimiser
step, so the replicas stay identical. The step's loss and token count are summed across ranks: the reported loss is the
mean of the ranks' losses, the throughput the whole group's. Only rank 0 speaks the protocol
and saves the adapter. Collectives run on NCCL when the ranks train on CUDA, on gloo on a CPU.

Gradients are averaged by hand (one flat all-reduce of the trainable parameters' gradients
per step) rather than through ``DistributedDataParallel``: LoRA trains a few million
parameters at most, and this leaves the PEFT model, gradient checkpointing and k-bit layers
exactly as the single-process run uses them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Sequence, TypeVar

from brightrun_trainer.errors import WorkerError
from brightrun_trainer.protocol import EventWriter

# Set by the launcher in each rank's environment: the rendezvous (a ``file://`` store), and
# the output directory the launcher settled (a rank must not make its own scratch copy).
INIT_VAR = "BRIGHTRUN_DDP_INIT"
OUTPUT_DIR_VAR = "BRIGHTRUN_DDP_OUTPUT_DIR"

# How long a collective waits for a slow rank before failing; a rank that dies is ended by
# the launcher long before.
COLLECTIVE_TIMEOUT = timedelta(minutes=30)

T = TypeVar("T")


class NotEnoughGpusError(WorkerError):
    """The spec asks more GPUs than this machine shows the worker."""

    error_type = "not_enough_gpus"


@dataclass(frozen=True)
class Rank:
    """This process's place in the data-parallel group (rank 0 of 1 when training alone)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Whether this rank speaks the protocol and saves the adapter."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether other ranks train beside this one."""
        return self.world > 1

    @classmethod
    def from_env(cls) -> Rank:
        """The rank the launcher started this process as, or the single process."""
        if INIT_VAR not in os.environ:
            return cls()
        return cls(
            rank=int(os.environ["RANK"]),
            world=int(os.environ["WORLD_SIZE"]),
            local_rank=int(os.environ["LOCAL_RANK"]),
        )


SINGLE = Rank()


class FailuresOnly(EventWriter):
    """The events of a rank other than 0: only its ``failed`` event is written, which the
    launcher reads to say why the run failed; everything else is rank 0's to say."""

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        if event == "failed":
            return super().emit(event, **fields)
        return {"event": event, **fields}


def start(rank: Rank, device: str) -> None:
    """Joins the group: picks this rank's GPU (NCCL) or the CPU (gloo)."""
    import torch
    import torch.distributed as dist

    if device == "cuda":
        visible = torch.cuda.device_count()
        if visible < rank.world:
            raise NotEnoughGpusError(
                f"the job asks for {rank.world} GPUs and this machine shows the worker {visible}: "
                "ask for fewer, or run it where the engine gives it that many"
            )
        torch.cuda.set_device(rank.local_rank)
    dist.init_process_group(
        backend="nccl" if device == "cuda" else "gloo",
        init_method=os.environ[INIT_VAR],
        rank=rank.rank,
        world_size=rank.world,
        timeout=COLLECTIVE_TIMEOUT,
    )


def stop(rank: Rank) -> None:
    """Leaves the group, if this rank joined one."""
    import torch.distributed as dist

    if rank.distributed and dist.is_initialized():
        dist.destroy_process_group()


def share(items: Sequence[T], rank: Rank) -> list[T]:
    """This rank's share of ``items`` (every ``world``-th, from its rank)."""
    return list(items[rank.rank :: rank.world])


def broadcast_parameters(parameters: list[Any], rank: Rank) -> None:
    """Makes every rank start from rank 0's trainable weights."""
    import torch.distributed as dist

    if rank.distributed:
        for parameter in parameters:
            dist.broadcast(parameter.data, src=0)


def average_gradients(parameters: list[Any], rank: Rank) -> None:
    """Replaces each rank's gradients with the mean over the ranks, in one all-reduce."""
    import torch
    import torch.distributed as dist

    if not rank.distributed:
        return
    grads = [parameter.grad for parameter in parameters if parameter.grad is not None]
    if not grads:
        return
    flat = torch.cat([grad.reshape(-1).float() for grad in grads])
    dist.all_reduce(flat)
    flat /= rank.world
    offset = 0
    for grad in grads:
        count = grad.numel()
        grad.copy_(flat[offset : offset + count].view_as(grad))
        offset += count


def sum_over_ranks(values: list[float], rank: Rank, device: str) -> list[float]:
    """Each value summed over the ranks (the values themselves when training alone)."""
    if not rank.distributed:
        return values
    import torch
    import torch.distributed as dist

    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return [float(value) for value in tensor.tolist()]
