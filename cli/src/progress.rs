//! Progress bars, on a terminal only: over a dataset file's bytes, and over a training
//! job's steps.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use brightrun_core::dataset::Progress;
use brightrun_core::model::{JobStatus, Timestamp, TrainingJob};
use indicatif::{ProgressBar, ProgressStyle};

use crate::outcome::total_steps;
use crate::output::{duration, money};

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

/// The live view of a training job: a bar on a terminal (step/total, loss, tokens/s, ETA,
/// cost), plain lines on each change of status otherwise, nothing for `--json`.
pub struct JobBar {
    bar: Option<ProgressBar>,
    json: bool,
    last_status: Option<JobStatus>,
}

impl JobBar {
    /// A view of a job about to run.
    pub fn new(json: bool) -> Self {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let style = ProgressStyle::with_template("{prefix:12} [{bar:30}] {pos}/{len} steps  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            let bar = ProgressBar::new(0).with_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(250));
            bar
        });
        Self { bar, json, last_status: None }
    }

    /// Shows the job as it is now.
    pub fn update(&mut self, job: &TrainingJob) {
        let status = job.stage.filter(|_| job.status == JobStatus::Running).map_or(job.status.as_str(), |s| s.as_str());
        if let Some(bar) = &self.bar {
            bar.set_prefix(status.to_owned());
            bar.set_length(total_steps(job).max(1));
            bar.set_position(job.current_step);
            bar.set_message(live_numbers(job));
        } else if !self.json && self.last_status != Some(job.status) {
            eprintln!(
                "job {} {}  step {}/{}  {}",
                job.id,
                job.status,
                job.current_step,
                total_steps(job),
                live_numbers(job)
            );
        }
        self.last_status = Some(job.status);
    }

    /// Prints a line above the bar (or on stderr).
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None if !self.json => eprintln!("{text}"),
            None => {}
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `loss 1.234  850 tok/s  eta 12s  $0.03`, leaving out what is not known yet.
fn live_numbers(job: &TrainingJob) -> String {
    let metrics = job.current_metrics.unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(loss) = metrics.training_loss {
        parts.push(format!("loss {loss:.3}"));
    }
    if let Some(speed) = metrics.tokens_per_second {
        parts.push(format!("{speed:.0} tok/s"));
    }
    if let Some(eta) = job.estimated_completion_at.filter(|_| !job.status.is_final()) {
        let seconds = (eta.unix_micros() - Timestamp::now().unix_micros()) as f64 / 1e6;
        parts.push(format!("eta {}", duration(seconds)));
    }
    parts.push(money(job.final_cost.unwrap_or(job.current_cost)));
    parts.join("  ")
}
