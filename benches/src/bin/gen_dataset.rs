//! Writes the data `benches/dataset/run.sh` measures on: a chat JSONL file of multi-turn
//! conversations, a prompt/completion JSONL file of as many bytes (one user message and its
//! answer a line), a brightrun_lora_v4 JSONL file whose lines repeat a ~600-byte system
//! prompt and a growing history, and a ByteLevel BPE `tokenizer.json` trained on the same
//! kind of text. Files already there with the asked size are kept.
//!
//! Usage: `gen-dataset DIR [CHAT_MB] [V4_MB]` (defaults 500 and 300). Writes
//! `DIR/chat.jsonl`, `DIR/prompt_completion.jsonl` (CHAT_MB too), `DIR/v4.jsonl` and
//! `DIR/tokenizer/tokenizer.json`.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;

use brightrun_core::dataset::test_support::{DatasetShape, DatasetWriter, train_byte_level};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The tokenizer's vocabulary: 16k, like small production BPEs.
const VOCAB_SIZE: usize = 16_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: gen-dataset DIR [CHAT_MB] [V4_MB]");
        return ExitCode::from(2);
    };
    let mb = |index: usize, default: u64| args.get(index).map_or(Ok(default), |v| v.parse::<u64>());
    let (Ok(chat_mb), Ok(v4_mb)) = (mb(1, 500), mb(2, 300)) else {
        eprintln!("CHAT_MB and V4_MB are whole numbers of megabytes");
        return ExitCode::from(2);
    };
    match generate(Path::new(dir), chat_mb * 1_000_000, v4_mb * 1_000_000) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gen-dataset: {error}");
            ExitCode::FAILURE
        }
    }
}

fn generate(dir: &Path, chat_bytes: u64, v4_bytes: u64) -> Result<(), String> {
    fs::create_dir_all(dir.join("tokenizer")).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let tokenizer = dir.join("tokenizer").join("tokenizer.json");
    if !tokenizer.is_file() {
        let json = train_byte_level(VOCAB_SIZE, 6000)?;
        fs::write(&tokenizer, json).map_err(|e| format!("writing {}: {e}", tokenizer.display()))?;
        eprintln!("trained {}", tokenizer.display());
    }
    write(&dir.join("chat.jsonl"), chat_bytes, |writer, out, bytes| writer.write_chat(out, bytes))?;
    write(&dir.join("prompt_completion.jsonl"), chat_bytes, |writer, out, bytes| {
        writer.write_prompt_completion(out, bytes)
    })?;
    write(&dir.join("v4.jsonl"), v4_bytes, |writer, out, bytes| writer.write_v4(out, bytes))
}

/// Writes a dataset of at least `bytes` bytes to `path`, unless one of about that size is there.
fn write(
    path: &Path,
    bytes: u64,
    fill: impl FnOnce(&mut DatasetWriter, &mut BufWriter<File>, u64) -> std::io::Result<u64>,
) -> Result<(), String> {
    let existing = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // Whole records overshoot the size by less than one conversation.
    if existing >= bytes && existing < bytes + 1_000_000 {
        return Ok(());
    }
    let failed = |e: std::io::Error| format!("writing {}: {e}", path.display());
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(failed)?);
    let written = fill(&mut DatasetWriter::new(DatasetShape::default(), 1), &mut out, bytes).map_err(failed)?;
    out.into_inner().map_err(|e| failed(e.into_error()))?;
    eprintln!("wrote {} ({:.0} MB)", path.display(), written as f64 / 1e6);
    Ok(())
}
