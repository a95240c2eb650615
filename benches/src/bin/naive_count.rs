//! The baseline of `benches/dataset/run.sh`: counts the tokens of a chat or
//! brightrun_lora_v4 JSONL file by calling `Tokenizer::encode` on every text the counting
//! definition names (see `NaiveCounter`), on 2 threads (each half of the file), and prints
//! the totals as JSON.
//!
//! Only what `brightrun validate` counts is counted: conversations with an assistant target
//! (a v4 pair with a null `target_response` is skipped). A v4 pair becomes system prompt,
//! history, current input and target, without repeating an input the history ends with.
//!
//! Usage: `naive-count FILE TOKENIZER_JSON [THREADS]`.

use std::process::ExitCode;
use std::str::FromStr;

use brightrun_benches::{NaiveCounter, add, conversation};
use brightrun_core::dataset::tokenizer::TokenCount;
use tokenizers::Tokenizer;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(file), Some(tokenizer)) = (args.first(), args.get(1)) else {
        eprintln!("usage: naive-count FILE TOKENIZER_JSON [THREADS]");
        return ExitCode::from(2);
    };
    let threads = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(2_usize).max(1);
    match run(file, tokenizer, threads) {
        Ok(count) => {
            println!("{{\"total_tokens\": {}, \"trainable_tokens\": {}}}", count.total, count.trainable);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("naive-count: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(file: &str, tokenizer: &str, threads: usize) -> Result<TokenCount, String> {
    let json = std::fs::read_to_string(tokenizer).map_err(|e| format!("reading {tokenizer}: {e}"))?;
    let tokenizer = Tokenizer::from_str(&json).map_err(|e| format!("loading {tokenizer}: {e}"))?;
    let counter = NaiveCounter::new(tokenizer);
    let data = std::fs::read_to_string(file).map_err(|e| format!("reading {file}: {e}"))?;
    let lines: Vec<&str> = data.lines().filter(|line| !line.trim().is_empty()).collect();
    let part = lines.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = lines
            .chunks(part)
            .map(|part| {
                let counter = &counter;
                scope.spawn(move || {
                    part.iter().try_fold(TokenCount::default(), |sum, line| {
                        let messages = conversation(line)?;
                        Ok::<_, String>(if messages.is_empty() { sum } else { add(sum, counter.count(&messages)?) })
                    })
                })
            })
            .collect();
        workers.into_iter().try_fold(TokenCount::default(), |sum, worker| {
            Ok(add(sum, worker.join().map_err(|_| "a counting thread panicked".to_owned())??))
        })
    })
}
