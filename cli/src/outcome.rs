//! What a job comes to: its status line, its model and files, its curves and chart. Used
//! at the end of `train` and by `job`.

use std::fmt::Write as _;
use std::path::PathBuf;

use brightrun_core::model::{JobStatus, ModelArtifact, TrainingJob};
use brightrun_core::service::FollowState;
use brightrun_core::service::{BrightRun, ModelDownload};
use serde::Serialize;

use crate::adapter;
use crate::chart::write_loss_chart;
use crate::curves::{Curves, LossSummary};
use crate::error::CliError;
use crate::local::LOCAL_USER;
use crate::output::{bytes, duration, money, when};

/// The chart's file name, beside the adapter files.
pub const CHART_FILE: &str = "loss.svg";
/// The worker's stderr in its run directory (local backend).
const WORKER_LOG: &str = "worker.log";
/// Lines of the worker's log shown for a failed job.
const LOG_LINES: usize = 5;

/// A job with what it produced.
#[derive(Debug, Serialize)]
pub struct JobOutcome {
    /// The job.
    pub job: TrainingJob,
    /// Its model (completed jobs).
    pub model: Option<ModelArtifact>,
    /// The adapter files: the stored model's, or a cancelled run's partial adapter.
    pub files: Vec<ModelDownload>,
    /// The directory holding them, on this machine.
    pub adapter_dir: Option<PathBuf>,
    /// Whether `files` are a partial adapter left by a cancelled run (not a stored model).
    pub partial_adapter: bool,
    /// The loss curves in short.
    pub loss: LossSummary,
    /// The loss chart, when one was written.
    pub chart: Option<PathBuf>,
    /// The worker's log (its stderr), for a job run by the local backend.
    pub worker_log: Option<PathBuf>,
    #[serde(skip)]
    curves: Curves,
}

impl JobOutcome {
    /// Reads the job's model or partial adapter and its curves.
    pub async fn read(app: &BrightRun, job: TrainingJob) -> Result<Self, CliError> {
        let curves = Curves::read(app, job.id).await?;
        let (model, files) = match job.artifact_id {
            Some(id) => (Some(app.get_model(LOCAL_USER, id).await?), adapter::files(app, id).await?),
            None => (None, app.job_leftover_files(LOCAL_USER, job.id).await?),
        };
        let adapter_dir = adapter::local_dir(&files);
        let partial_adapter = model.is_none() && !files.is_empty();
        let worker_log = FollowState::of(&job)
            .filter(|state| state.handle.backend == "local")
            .map(|state| app.config().runs_dir().join(state.handle.external_id).join(WORKER_LOG))
            .filter(|path| path.is_file());
        let loss = curves.summary();
        Ok(Self { job, model, files, adapter_dir, partial_adapter, loss, chart: None, worker_log, curves })
    }

    /// Writes the loss chart beside the adapter files (when both exist); a chart that
    /// cannot be written is a warning, never a failed job.
    pub fn write_chart(&mut self) {
        let Some(dir) = self.adapter_dir.as_ref().filter(|_| !self.curves.training.is_empty()) else { return };
        let path = dir.join(CHART_FILE);
        let title = format!("{} LoRA, job {}", self.job.hyperparameters.base_model, self.job.id);
        match write_loss_chart(&path, &title, &self.curves.training, &self.curves.validation) {
            Ok(()) => self.chart = Some(path),
            Err(e) => eprintln!("warning: no loss chart: {e:?}"),
        }
    }

    /// The report for people.
    pub fn describe(&self) -> String {
        let mut out = job_lines(&self.job);
        if let Some(model) = &self.model {
            let quality =
                model.quality_metrics.convergence_quality.map_or(String::new(), |q| format!(", convergence {q}"));
            let _ = writeln!(out, "Model      {}  {}{quality}", model.id, model.name);
        }
        if let Some(dir) = &self.adapter_dir {
            let what = if self.partial_adapter { "Partial adapter (not stored as a model)" } else { "Adapter" };
            let _ = writeln!(out, "{what:<10} {}", dir.display());
        }
        for file in &self.files {
            let _ = writeln!(out, "           {} ({})", file.name, bytes(file.bytes));
        }
        out.push_str(&self.curves.describe());
        if let Some(chart) = &self.chart {
            let _ = writeln!(out, "Chart      {}", chart.display());
        }
        if let (JobStatus::Failed, Some(log)) = (self.job.status, &self.worker_log) {
            let _ = writeln!(out, "Worker log {}, ending:", log.display());
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            for line in &lines[lines.len().saturating_sub(LOG_LINES)..] {
                let _ = writeln!(out, "  {line}");
            }
        }
        out
    }
}

/// Optimiser steps of the job's run: as its worker counted them once it started, the
/// service's estimate before.
pub fn total_steps(job: &TrainingJob) -> u64 {
    FollowState::of(job).and_then(|state| state.total_steps).unwrap_or(job.total_steps)
}

/// The status, timing, cost and error of a job.
pub fn job_lines(job: &TrainingJob) -> String {
    let mut out = String::new();
    let took = match (job.started_at, job.completed_at) {
        (Some(start), Some(end)) => {
            format!(" in {}", duration((end.unix_micros() - start.unix_micros()) as f64 / 1e6))
        }
        _ => String::new(),
    };
    let estimated = job.estimated_total_cost.map_or(String::new(), |c| format!(" (estimated {})", money(c)));
    let cost = money(job.final_cost.unwrap_or(job.current_cost));
    let _ = writeln!(out, "Job        {} {}{took}, cost {cost}{estimated}", job.id, job.status);
    let h = &job.hyperparameters;
    let _ = writeln!(
        out,
        "Training   {} on {} x {} (preset {}, lr {}, batch {}, {} epochs, rank {})",
        h.base_model,
        job.gpu.gpu_count,
        job.gpu.gpu_type,
        job.preset,
        h.learning_rate,
        h.batch_size,
        h.epochs,
        h.lora_rank
    );
    let _ = writeln!(
        out,
        "Progress   step {}/{}, epoch {}/{}; queued {}, started {}, ended {}",
        job.current_step,
        total_steps(job),
        job.current_epoch,
        job.total_epochs,
        when(Some(job.queued_at)),
        when(job.started_at),
        when(job.completed_at)
    );
    if let Some(message) = &job.error_message {
        let _ = writeln!(out, "Error      {}: {message}", job.error_type.as_deref().unwrap_or("error"));
    }
    out
}
