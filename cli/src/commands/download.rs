//! `brightrun download ID --out DIR`: copies every file of a model and checks its sha256.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::adapter;
use crate::error::CliError;
use crate::local;
use crate::output::{bytes, print_json};
use crate::transfer;

/// Flags of `brightrun download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The model id, or the id of the job that trained it.
    id: String,
    /// The directory to copy the files into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Print one JSON object: `model` and `files` (name, bytes, sha256, path).
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun download`: a file whose size or sha256 differs from the model's record
/// is removed and the command fails (exit 1).
pub fn run(args: &DownloadArgs) -> Result<(), CliError> {
    let (model, files) = local::block_on(async {
        let app = local::open().await?;
        let model = adapter::resolve(&app, &args.id).await?;
        let files = adapter::files(&app, model.id).await?;
        Ok::<_, CliError>((model, files))
    })?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::usage("unwritable_directory", format!("{}: {e}", args.out.display())))?;
    let mut saved = Vec::with_capacity(files.len());
    for file in &files {
        let path = transfer::save(file, &args.out)?;
        if !args.json {
            println!("{}  {}  sha256 {} ok", path.display(), bytes(file.bytes), file.sha256);
        }
        saved.push(json!({ "name": file.name, "bytes": file.bytes, "sha256": file.sha256, "path": path }));
    }
    if args.json {
        print_json(&json!({ "model": model.id, "base_model": model.base_model, "files": saved }))?;
    } else {
        println!("{} files of model {} ({}) in {}", files.len(), model.id, model.name, args.out.display());
    }
    Ok(())
}
