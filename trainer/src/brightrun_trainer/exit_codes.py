"""Process exit codes of worker protocol v1."""

COMPLETED = 0
OTHER_FAILURE = 1
BAD_SPEC = 2
DATASET_ERROR = 3
OUT_OF_MEMORY = 4
CANCELLED = 143
