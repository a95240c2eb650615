#!/usr/bin/env bash
# Headline figures of the dataset engine, on generated files of hundreds of megabytes:
#   (a) `brightrun validate --no-tokens --json`: structure checks of every JSONL format, MB/s
#       and peak RSS;
#   (b) `brightrun validate --tokenizer DIR --json`: exact counts with a 16k BPE trained here
#       and with the real cl100k vocabulary as tokenizer.json (no added tokens: ChatML's
#       markers are text, as in the issue that found counts wrong), and peak RSS;
#   (c) the reference: the counting definition computed with `Tokenizer::encode` of every
#       text it names, 2 threads (naive-count), on the first REFERENCE_MB of each file;
#       (b) on the same part prints the same totals;
#   (d) the chat and prompt/completion records as JSONL, CSV, Parquet (Snappy, pyarrow's
#       default, then zstd and uncompressed) and Arrow (an IPC stream, as
#       `datasets.save_to_disk` writes its shards; written by pyarrow from TABLES_PYTHON,
#       when it has it): time per conversation of each.
# Usage: benches/dataset/run.sh [DATA_DIR] (default /tmp/brightrun-bench). CHAT_MB (200: the
# chat file and the prompt/completion file),
# V4_MB (300) and REFERENCE_MB (10) size the files; they are generated once and kept. The
# cl100k tokenizer.json comes from scripts/vocab-fixtures (the venv of scripts/python-env).
# Needs python3 to read JSON.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The scripts' target directory: the host's triple (see scripts/test).
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
data=${1:-/tmp/brightrun-bench}
chat_mb=${CHAT_MB:-200}
v4_mb=${V4_MB:-300}
reference_mb=${REFERENCE_MB:-10}

cargo build --release --quiet -p brightrun-cli -p brightrun-benches --bins
# Copied at once: a target folder shared with other checkouts may get their binaries next.
built="${CARGO_TARGET_DIR:-$PWD/target}${CARGO_BUILD_TARGET:+/$CARGO_BUILD_TARGET}/release"
bin="$data/bin"
mkdir -p "$bin"
cp "$built/brightrun" "$built/gen-dataset" "$built/naive-count" "$bin/"
"$bin/brightrun" validate --help | grep -q -- --tokenizer || { echo "not this checkout's brightrun" >&2; exit 1; }
"$bin/gen-dataset" "$data" "$chat_mb" "$v4_mb"
# The other JSONL formats, from the same records: ShareGPT and chat with tools (a call and
# its result after the first user turn, a tool definition on every record) from chat.jsonl,
# ShareGPT with tools (LLaMA-Factory's function_call and observation turns) from chat_tools,
# plain text (each conversation's messages as one document) and prompt/completion of messages
# (TRL's form: the last message as the completion) and Gemini (Vertex's contents and
# systemInstruction) too, Alpaca from prompt_completion.jsonl. Written once and kept, like the rest.
python3 - "$data" <<'PY'
import json, os, sys
data = sys.argv[1]
TOOLS = [{"type": "function", "function": {"name": "lookup", "description": "Looks a fact up.",
          "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}}]
FROM = {"system": "system", "user": "human", "assistant": "gpt"}
def derive(source, target, record):
    if os.path.exists(f"{data}/{target}.jsonl"):
        return
    with open(f"{data}/{source}.jsonl", encoding="utf-8") as lines, open(f"{data}/{target}.jsonl.part", "w", encoding="utf-8") as out:
        for number, line in enumerate(lines):
            out.write(json.dumps(record(json.loads(line), number), ensure_ascii=False) + "\n")
    os.replace(f"{data}/{target}.jsonl.part", f"{data}/{target}.jsonl")
def with_tools(r, number):
    messages = r["messages"]
    at = next(i for i, m in enumerate(messages) if m["role"] == "user") + 1
    call = {"id": f"call_{number}", "type": "function",
            "function": {"name": "lookup", "arguments": json.dumps({"query": messages[at - 1]["content"][:80]})}}
    messages[at:at] = [{"role": "assistant", "content": None, "tool_calls": [call]},
                       {"role": "tool", "tool_call_id": f"call_{number}", "content": "A fact about it."}]
    return {**r, "messages": messages, "tools": TOOLS}
derive("chat", "sharegpt", lambda r, _: {"conversations": [{"from": FROM[m["role"]], "value": m["content"]} for m in r["messages"]]})
derive("chat", "chat_tools", with_tools)
def as_turns(r, _):
    def turn(m):
        if m.get("tool_calls"):
            calls = [{"name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"])} for c in m["tool_calls"]]
            return {"from": "function_call", "value": json.dumps(calls[0] if len(calls) == 1 else calls)}
        if m["role"] == "tool":
            return {"from": "observation", "value": m["content"]}
        return {"from": FROM[m["role"]], "value": m["content"]}
    return {"conversations": [turn(m) for m in r["messages"]], "tools": json.dumps([t["function"] for t in r["tools"]])}
derive("chat_tools", "sharegpt_tools", as_turns)
derive("chat", "text", lambda r, _: {"text": "\n\n".join(m["content"] for m in r["messages"])})
derive("prompt_completion", "alpaca", lambda r, _: {"instruction": r["prompt"], "input": "", "output": r["completion"]})
derive("chat", "prompt_completion_messages", lambda r, _: {"prompt": r["messages"][:-1], "completion": r["messages"][-1:]})
def as_gemini(r, _):
    turns = [{"role": "model" if m["role"] == "assistant" else "user", "parts": [{"text": m["content"]}]}
             for m in r["messages"] if m["role"] != "system"]
    system = [{"text": m["content"]} for m in r["messages"] if m["role"] == "system"]
    return {"systemInstruction": {"parts": system}, "contents": turns} if system else {"contents": turns}
derive("chat", "gemini", as_gemini)
PY
tokenizer="$data/tokenizer"
cl100k="$(scripts/vocab-fixtures)/cl100k"
for f in chat v4; do
    # The first lines of each file, about REFERENCE_MB, for the slow reference.
    head -c "$((reference_mb * 1000000))" "$data/$f.jsonl" | sed '$d' >"$data/$f-part.jsonl"
done
log=$(mktemp)
out=$(mktemp)
trap 'rm -f "$log" "$out"' EXIT

# Runs a command under /usr/bin/time; prints one row: MB/s (wall), CPU seconds, peak RSS.
measure() {
    local label=$1 file=$2
    shift 2
    /usr/bin/time -f '%e %U %S %M' -o "$log" "$@" >"$out"
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    read -r wall user sys rss <"$log"
    local mb
    mb=$(python3 -c "import os; print(os.path.getsize('$file') / 1e6)")
    python3 - "$label" "$mb" "$wall" "$user" "$sys" "$rss" "$load" <<'PY'
import sys
label, mb, wall, user, sys_, rss, load = sys.argv[1:]
mb, wall, cpu = float(mb), float(wall), float(user) + float(sys_)
print(f"{label:<34} {mb:8.0f} MB {wall:7.2f} s {mb / wall:8.1f} MB/s  cpu {cpu:7.2f} s "
      f"({mb / cpu:7.1f} MB per cpu-s)  peak RSS {int(rss) / 1024:6.1f} MiB  load {load}")
PY
}

# Prints the token totals of the JSON on stdout of the last command.
totals() {
    python3 -c "
import json, sys
r = json.load(open('$out'))
s = r.get('stats', r)
print(f\"    total_tokens {s['total_tokens']}  trainable_tokens {s['trainable_tokens']}\")"
}

echo "== (a) structure checks: brightrun validate --no-tokens --json (all cores: $(nproc))"
for f in chat chat_tools sharegpt sharegpt_tools prompt_completion prompt_completion_messages alpaca text gemini v4; do
    measure "validate --no-tokens $f.jsonl" "$data/$f.jsonl" \
        "$bin/brightrun" validate "$data/$f.jsonl" --no-tokens --json --min-examples 0
done
echo "== (b) exact tokens: brightrun validate --tokenizer (all cores)"
for f in v4 chat; do
    for t in "$tokenizer" "$cl100k"; do
        measure "validate --tokenizer $(basename "$t") $f.jsonl" "$data/$f.jsonl" \
            "$bin/brightrun" validate "$data/$f.jsonl" --tokenizer "$t" --json --min-examples 0
        totals
    done
done
echo "== (c) reference: Tokenizer::encode of every text of the definition, 2 threads, first ${reference_mb} MB"
for f in v4 chat; do
    for t in "$tokenizer" "$cl100k"; do
        measure "validate --tokenizer $(basename "$t") $f-part" "$data/$f-part.jsonl" \
            "$bin/brightrun" validate "$data/$f-part.jsonl" --tokenizer "$t" --json --min-examples 0
        totals
        measure "naive-count $(basename "$t") $f-part" "$data/$f-part.jsonl" \
            "$bin/naive-count" "$data/$f-part.jsonl" "$t/tokenizer.json" 2
        totals
    done
done
echo "== (d) tables: the same records as JSONL, CSV, Parquet and Arrow, per conversation (all cores)"
# The tables are written by pyarrow (as pandas and Hugging Face datasets write them) with
# $TABLES_PYTHON (default python3); skipped when it has no pyarrow.
tables_python=${TABLES_PYTHON:-python3}
if "$tables_python" -c "import pyarrow" 2>/dev/null; then
    "$tables_python" - "$data" <<'PY'
import csv, json, os, sys
import pyarrow as pa, pyarrow.json as pj, pyarrow.parquet as pq
data = sys.argv[1]
for name in ("chat", "prompt_completion"):
    if not os.path.exists(f"{data}/{name}.parquet"):
        pq.write_table(pj.read_json(f"{data}/{name}.jsonl"), f"{data}/{name}.parquet")
    # pyarrow's default codec is Snappy; the same table with zstd and with none.
    for codec in ("zstd", "none"):
        if not os.path.exists(f"{data}/{name}-{codec}.parquet"):
            pq.write_table(pq.read_table(f"{data}/{name}.parquet"), f"{data}/{name}-{codec}.parquet", compression=codec)
    if not os.path.exists(f"{data}/{name}.arrow"):
        table = pj.read_json(f"{data}/{name}.jsonl")
        with pa.OSFile(f"{data}/{name}.arrow", "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
if not os.path.exists(f"{data}/prompt_completion.csv"):
    with open(f"{data}/prompt_completion.jsonl") as lines, open(f"{data}/prompt_completion.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["prompt", "completion"])
        for line in lines:
            record = json.loads(line)
            writer.writerow([record["prompt"], record["completion"]])
PY
    for f in chat.jsonl chat.parquet chat-zstd.parquet chat-none.parquet chat.arrow prompt_completion.jsonl \
        prompt_completion.csv prompt_completion.parquet prompt_completion-zstd.parquet prompt_completion-none.parquet \
        prompt_completion.arrow; do
        measure "validate --no-tokens $f" "$data/$f" "$bin/brightrun" validate "$data/$f" --no-tokens --json --min-examples 0
        python3 -c "
import json
conversations = json.load(open('$out'))['stats']['conversations']
wall = float(open('$log').read().split()[0])
print(f'    {conversations} conversations, {wall / conversations * 1e6:.1f} us per conversation')"
    done
else
    echo "    skipped: $tables_python has no pyarrow (TABLES_PYTHON=path/to/python with pyarrow)"
fi
