//! The exact counter alone, without the validator around it: loads a tokenizer directory,
//! reads the conversations of a chat or brightrun_lora_v4 JSONL file into memory, then
//! counts them with `HfTokenCounter` on `THREADS` threads (each a contiguous part) and
//! prints the load time, the counting throughput in bytes of the file, the totals and the
//! cache statistics, as JSON.
//!
//! Usage: `exact-count FILE TOKENIZER_DIR [THREADS]` (default 2).

use std::process::ExitCode;
use std::time::Instant;

use brightrun_benches::{add, conversation};
use brightrun_core::dataset::tokenizer::{HfTokenCounter, ResolveOptions, TokenCount, TokenCounter, resolve_tokenizer};
use serde_json::json;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(file), Some(tokenizer)) = (args.first(), args.get(1)) else {
        eprintln!("usage: exact-count FILE TOKENIZER_DIR [THREADS]");
        return ExitCode::from(2);
    };
    let threads = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(2_usize).max(1);
    match run(file, tokenizer, threads) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("exact-count: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(file: &str, tokenizer: &str, threads: usize) -> Result<serde_json::Value, String> {
    let started = Instant::now();
    let files = resolve_tokenizer(tokenizer, &ResolveOptions::default()).map_err(|e| e.to_string())?;
    let counter = HfTokenCounter::from_files(&files).map_err(|e| e.to_string())?;
    let load_seconds = started.elapsed().as_secs_f64();
    let data = std::fs::read_to_string(file).map_err(|e| format!("reading {file}: {e}"))?;
    let conversations =
        data.lines().filter(|line| !line.trim().is_empty()).map(conversation).collect::<Result<Vec<_>, _>>()?;
    let part = conversations.len().div_ceil(threads).max(1);
    let started = Instant::now();
    let count = std::thread::scope(|scope| {
        let workers: Vec<_> = conversations
            .chunks(part)
            .map(|part| {
                let counter = &counter;
                scope.spawn(move || {
                    part.iter().filter(|m| !m.is_empty()).try_fold(TokenCount::default(), |sum, messages| {
                        Ok::<_, String>(add(sum, counter.count(messages).map_err(|e| e.to_string())?))
                    })
                })
            })
            .collect();
        workers.into_iter().try_fold(TokenCount::default(), |sum, worker| {
            Ok::<_, String>(add(sum, worker.join().map_err(|_| "a counting thread panicked".to_owned())??))
        })
    })?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "load_seconds": load_seconds,
        "count_seconds": seconds,
        "mb_per_second": data.len() as f64 / 1e6 / seconds,
        "total_tokens": count.total,
        "trainable_tokens": count.trainable,
        "byte_level": counter.is_byte_level(),
        "cuts_words": counter.cuts_words(),
        "cache": counter.cache_stats(),
    }))
}
