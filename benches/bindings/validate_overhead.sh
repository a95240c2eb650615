#!/usr/bin/env bash
# The bindings' overhead over the CLI on one large file: generates a chat JSONL of about
# SIZE_MB (default 100) MB, then times `brightrun validate FILE --json > /dev/null` (the
# release CLI), Python `brightrun.validate(FILE)` and Node `await validate(FILE)` (release
# builds of both bindings), RUNS times each (default 3), as whole processes, and prints
# the median wall time of each and its overhead in percent over the CLI's. Target: at most
# 10% more than the CLI.
#
# Usage: benches/bindings/validate_overhead.sh [SIZE_MB]
# Environment: BRIGHTRUN_CLI (default: the release build in the target directory, built
# here), PYTHON (default .venv/bin/python, with `brightrun` installed: scripts/test does
# it), RUNS, BENCH_DIR (where the file is kept; default a temporary folder, removed).
# Build the Node addon first: (cd bindings-node && npm run build).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu
size_mb=${1:-100}
runs=${RUNS:-3}
python=${PYTHON:-$PWD/.venv/bin/python}

if [ -z "${BRIGHTRUN_CLI:-}" ]; then
  cargo build --release --locked --quiet -p brightrun-cli
  BRIGHTRUN_CLI="${CARGO_TARGET_DIR:-$PWD/target}/x86_64-unknown-linux-gnu/release/brightrun"
fi
[ -f bindings-node/native.js ] || { echo "build the Node addon first: (cd bindings-node && npm run build)" >&2; exit 1; }

dir=${BENCH_DIR:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
file="$dir/chat_${size_mb}mb.jsonl"
if [ ! -s "$file" ]; then
  # Chat conversations of 1 to 4 exchanges with varied lengths and words; deterministic.
  "$python" - "$file" "$size_mb" <<'PY'
import json, random, sys
path, size = sys.argv[1], int(sys.argv[2]) << 20
rng = random.Random(42)
words = [w for w in "the a model learns from data each step tokens loss rate batch epoch adapter rank alpha "
         "prompt answer question context system user assistant train validate convert format".split()]
def text(n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))
written = 0
with open(path, "w") as out:
    i = 0
    while written < size:
        messages = [{"role": "system", "content": "You are a helpful assistant. " + text(rng.randint(5, 40))}]
        for _ in range(rng.randint(1, 4)):
            messages.append({"role": "user", "content": f"Question {i}: " + text(rng.randint(5, 80))})
            messages.append({"role": "assistant", "content": text(rng.randint(10, 200))})
        line = json.dumps({"messages": messages}) + "\n"
        out.write(line)
        written += len(line)
        i += 1
PY
fi

# Median wall time in seconds of RUNS runs of a command.
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

cli_validate() { "$BRIGHTRUN_CLI" validate "$file" --json || [ $? -eq 1 ]; }
py_validate() { "$python" -c 'import sys, brightrun; brightrun.validate(sys.argv[1])' "$file"; }
node_validate() { node -e 'require("./bindings-node").validate(process.argv[1]).catch((e) => { console.error(e); process.exit(2) })' "$file"; }

echo "file: $file ($(du -m "$file" | cut -f1) MB), $runs runs each, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
cli=$(median cli_validate)
py=$(median py_validate)
node=$(median node_validate)
overhead() { echo "scale=1; ($1 - $cli) * 100 / $cli" | bc; }
printf '%-8s %8.3f s\n' cli "$cli"
printf '%-8s %8.3f s  %+6.1f%%\n' python "$py" "$(overhead "$py")"
printf '%-8s %8.3f s  %+6.1f%%\n' node "$node" "$(overhead "$node")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
