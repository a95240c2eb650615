//! A progress bar over a dataset file's bytes, on a terminal only.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use brightrun_core::dataset::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Files smaller than this are read too fast for a bar to help.
const MIN_BYTES: u64 = 8 << 20;

/// A bar for reading `path`, when stderr is a terminal, the output is for people (`json`
/// false) and the file is large; with the callback that moves it.
pub fn file_progress(path: &Path, json: bool) -> Option<(ProgressBar, Progress)> {
    let size = std::fs::metadata(path).ok()?.len();
    if json || size < MIN_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let style = ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::new(size).with_style(style).with_message("reading");
    let moved = bar.clone();
    Some((bar, Arc::new(move |bytes| moved.set_position(bytes))))
}
