"""BrightRun's reference training worker.

It reads a job spec (worker protocol v1), trains a LoRA adapter with transformers and PEFT,
and reports everything it does as one JSON event per stdout line. Every BrightRun backend
(the local process, RunPod, Ray, Slurm, Kubernetes) launches this same worker.
"""

__version__ = "0.1.0"
