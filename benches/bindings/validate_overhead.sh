#!/usr/bin/env bash
# The bindings' overhead over the CLI on one large file: generates a chat JSONL of about
# SIZE_MB (default 100) MB, then times `brightrun validate FILE --json > /dev/null` (the
# release CLI), Python `brightrun.validate(FILE)` and Node `await validate(FILE)` (release
# builds of both bindings), RUNS times each (default 3), and prints the median wall time of
# each, as a whole process and for the validate call alone, with its overhead in percent
# over the CLI's. Target: at most 10% more than the CLI.
#
# Usage: benches/bindings/validate_overhead.sh [SIZE_MB]
# Environment: BRIGHTRUN_CLI (default: the release build in the target directory, built
# here), PYTHON (default .venv/bin/python, with `brightrun` installed: scripts/test does
# it), RUNS, BENCH_DIR (where the file is kept; default a temporary folder, removed).
# Build the Node addon first: (cd bindings-node && npm run build).
set -euo pipefail
cd "$(dirname "$0")/../.."
# One target directory for cargo, maturin and napi (napi always passes --target): the
# host's own triple, so that every step shares what the others built.
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
size_mb=${1:-100}
runs=${RUNS:-3}
python=${PYTHON:-$PWD/.venv/bin/python}

if [ -z "${BRIGHTRUN_CLI:-}" ]; then
  cargo build --release --locked --quiet -p brightrun-cli
  BRIGHTRUN_CLI="${CARGO_TARGET_DIR:-$PWD/target}/$CARGO_BUILD_TARGET/release/brightrun"
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

# Runs a command RUNS times; sets `whole` to the median wall time of the process and `call`
# to the median of what it prints (the seconds of the validate call alone, measured inside
# the process: no interpreter start-up or module import), or to `whole` if it prints nothing.
measure() {
  local wholes=() calls=() start end out
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    out=$("$@")
    end=$(date +%s.%N)
    wholes+=("$(echo "$end - $start" | bc)")
    calls+=("${out:-${wholes[-1]}}")
  done
  whole=$(printf '%s\n' "${wholes[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  call=$(printf '%s\n' "${calls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
}

cli_validate() { "$BRIGHTRUN_CLI" validate "$file" --json > /dev/null || [ $? -eq 1 ]; }
py_validate() {
  "$python" -c '
import sys, time, brightrun
start = time.perf_counter()
brightrun.validate(sys.argv[1])
print(time.perf_counter() - start)' "$file"
}
node_validate() {
  node -e '
const { validate } = require("./bindings-node")
const start = performance.now()
validate(process.argv[1]).then(() => console.log((performance.now() - start) / 1000))' "$file"
}

echo "file: $file ($(du -m "$file" | cut -f1) MB), $runs runs each, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure cli_validate
cli=$whole
overhead() { echo "scale=1; ($1 - $cli) * 100 / $cli" | bc; }
printf '%-8s %8s %9s %8s %9s\n' "" process overhead call overhead
printf '%-8s %8.3f s %8s %8.3f s\n' cli "$cli" "" "$cli"
measure py_validate
printf '%-8s %8.3f s %+7.1f%% %8.3f s %+7.1f%%\n' python "$whole" "$(overhead "$whole")" "$call" "$(overhead "$call")"
measure node_validate
printf '%-8s %8.3f s %+7.1f%% %8.3f s %+7.1f%%\n' node "$whole" "$(overhead "$whole")" "$call" "$(overhead "$call")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "process: the whole process (start-up and import included); call: the validate call alone."
