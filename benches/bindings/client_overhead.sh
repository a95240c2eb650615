#!/usr/bin/env bash
# The bindings' client overhead over Rust per call, on the embedded default (SQLite): seeds a
# home with ROWS datasets (default 10,000) and a job, then times `jobs.retrieve` and
# `datasets.list` (the first page of 20 over those rows) CALLS times each (default 2,000,
# after 100 to warm up) in Rust (`client-calls`, the service called directly), Python
# (`BrightRun(...).jobs.retrieve`, typed results) and Node (`BrightRun.open(...)`, when the
# package has the client), and prints the median and 90th percentile per call and the
# median's overhead over Rust's. Target: at most 10% more than Rust.
#
# Usage: benches/bindings/client_overhead.sh [ROWS] [CALLS]
# Environment: PYTHON (default .venv/bin/python, with `brightrun` installed: scripts/test
# does it, as a release build), BENCH_DIR (where the home is kept; default a temporary
# folder, removed). Build the Node addon first: (cd bindings-node && npm run build).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
rows=${1:-10000}
calls=${2:-2000}
python=${PYTHON:-$PWD/.venv/bin/python}

cargo build --release --locked --quiet -p brightrun-benches --bin client-calls
client_calls="${CARGO_TARGET_DIR:-$PWD/target}/$CARGO_BUILD_TARGET/release/client-calls"
dir=${BENCH_DIR:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
home="$dir/home"

echo "$rows datasets, $calls calls each, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rust=$("$client_calls" "$home" "$rows" "$calls")
echo "$rust" | tail -n +2
job=$(echo "$rust" | sed -n 's/^job //p')
rust_retrieve=$(echo "$rust" | sed -n 's/^rust jobs.retrieve median \([0-9.]*\).*/\1/p')
rust_list=$(echo "$rust" | sed -n 's/^rust datasets.list median \([0-9.]*\).*/\1/p')

report() {  # NAME CALL MEDIAN P90 RUST_MEDIAN
  printf '%-6s %-17s median %7.1f us p90 %7.1f us  %+6.1f%% over Rust\n' "$1" "$2" "$3" "$4" \
    "$(echo "scale=3; ($3 - $5) * 100 / $5" | bc)"
}

# Each prints "<call> <median us> <p90 us>" per call.
py_out=$("$python" - "$home" "$job" "$calls" <<'PY'
import statistics, sys, time
from brightrun import BrightRun
home, job, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
with BrightRun(home=home, worker=False) as br:
    for name, call in (("jobs.retrieve", lambda: br.jobs.retrieve(job)), ("datasets.list", lambda: br.datasets.list())):
        for _ in range(100):
            call()
        times = []
        for _ in range(calls):
            start = time.perf_counter_ns()
            call()
            times.append((time.perf_counter_ns() - start) / 1000)
        times.sort()
        print(name, times[calls // 2], times[calls * 9 // 10])
PY
)
while read -r name median p90; do
  case $name in jobs.retrieve) base=$rust_retrieve ;; *) base=$rust_list ;; esac
  report python "$name" "$median" "$p90" "$base"
done <<< "$py_out"

if [ -f bindings-node/native.js ] && node -e 'process.exit(typeof require("./bindings-node").BrightRun === "function" ? 0 : 1)' 2>/dev/null; then
  node_out=$(node - "$home" "$job" "$calls" <<'JS'
const { BrightRun } = require('./bindings-node')
const [home, job, calls] = [process.argv[2], process.argv[3], Number(process.argv[4])]
;(async () => {
  const br = await BrightRun.open({ home, worker: false })
  for (const [name, call] of [['jobs.retrieve', () => br.jobs.retrieve(job)], ['datasets.list', () => br.datasets.list()]]) {
    for (let i = 0; i < 100; i++) await call()
    const times = []
    for (let i = 0; i < calls; i++) {
      const start = process.hrtime.bigint()
      await call()
      times.push(Number(process.hrtime.bigint() - start) / 1000)
    }
    times.sort((a, b) => a - b)
    console.log(name, times[Math.floor(calls / 2)], times[Math.floor((calls * 9) / 10)])
  }
  await br.close()
})()
JS
)
  while read -r name median p90; do
    case $name in jobs.retrieve) base=$rust_retrieve ;; *) base=$rust_list ;; esac
    report node "$name" "$median" "$p90" "$base"
  done <<< "$node_out"
else
  echo "node: the package has no client yet (build bindings-node with the client)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
