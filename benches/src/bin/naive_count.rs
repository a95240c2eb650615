//! The baseline of `benches/dataset/run.sh`: counts the tokens of a chat or
//! brightrun_lora_v4 JSONL file by calling `Tokenizer::encode` on every message (see
//! `NaiveCounter`), on 2 threads (each half of the file), and prints the totals as JSON.
//!
//! Only what `brightrun validate` counts is counted: conversations with an assistant target
//! (a v4 pair with a null `target_response` is skipped). A v4 pair becomes system prompt,
//! history, current input and target, without repeating an input the history ends with.
//!
//! Usage: `naive-count FILE TOKENIZER_JSON [THREADS]`.

use std::process::ExitCode;
use std::str::FromStr;

use brightrun_benches::{NaiveCounter, add};
use brightrun_core::dataset::tokenizer::TokenCount;
use brightrun_core::dataset::{Message, Role};
use serde_json::Value;
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
    let counter = NaiveCounter::new(tokenizer)?;
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

/// The canonical messages of a record; empty when it has nothing to train on.
fn conversation(line: &str) -> Result<Vec<Message>, String> {
    let record: Value = serde_json::from_str(line).map_err(|e| format!("a line is not JSON: {e}"))?;
    let message = |item: &Value| -> Result<Message, String> {
        let role = item["role"].as_str().and_then(Role::from_name).ok_or("a message without a known role")?;
        Ok(Message::new(role, item["content"].as_str().ok_or("a message without content")?))
    };
    if let Some(messages) = record["messages"].as_array() {
        return messages.iter().map(message).collect();
    }
    let Some(target) = record["target_response"].as_str() else { return Ok(Vec::new()) };
    let input = record["current_user_input"].as_str().ok_or("a v4 pair without current_user_input")?;
    let mut messages = Vec::new();
    if let Some(system) = record["system_prompt"].as_str().filter(|s| !s.trim().is_empty()) {
        messages.push(Message::new(Role::System, system));
    }
    let history = record["conversation_history"].as_array().map(Vec::as_slice).unwrap_or_default();
    for item in history {
        messages.push(message(item)?);
    }
    if history
        .last()
        .is_some_and(|last| last["role"] == "user" && last["content"].as_str().map(str::trim) == Some(input.trim()))
    {
        messages.pop();
    }
    messages.push(Message::new(Role::User, input));
    messages.push(Message::new(Role::Assistant, target));
    Ok(messages)
}
