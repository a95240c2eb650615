//! Worker protocol v1, the Rust side: the job spec a backend hands the worker, and the
//! events the worker prints. The contract is documented in `docs/worker-protocol.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Hyperparameters;
use crate::model::{JobId, Timestamp};

/// The protocol version this core speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The environment variable the worker of a remote engine reads its spec from.
pub const SPEC_VAR: &str = "BRIGHTRUN_SPEC";
/// The environment variable naming the job, for people looking at the cluster.
pub const JOB_VAR: &str = "BRIGHTRUN_JOB_ID";

/// The names of the files a worker may produce (the adapter, then the tokenizer), in the
/// order the reference worker writes them. A backend whose workers upload gets a signed
/// upload URL for each; a file of another name is never collected. The reference worker's
/// `artifacts.py` lists the same names.
pub const ARTIFACT_NAMES: [&str; 6] = [
    "adapter_model.safetensors",
    "adapter_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
];

/// How the training data and the adapter travel between the control plane and the worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Transfer {
    /// The worker sees the control plane's files: the dataset paths are local paths, and the
    /// adapter is written under `output.dir`, where the backend collects it (the local
    /// process; Ray or Slurm on one host or a shared filesystem).
    #[default]
    SharedFilesystem,
    /// The worker sees nothing of the control plane's disk: it downloads the dataset from
    /// signed GET URLs and uploads each adapter file to the signed PUT URL given for its name
    /// in `output.upload_urls`, announcing size and sha256 in its `artifact` event.
    SignedUrls,
}

/// Where the worker reads its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpecDataset {
    /// Canonical chat JSONL of the training split: a local path or an http(s) URL.
    pub train: String,
    /// The validation split, if any.
    pub validation: Option<String>,
}

/// Where the worker writes the adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpecOutput {
    /// Directory on the worker's machine; the adapter goes to `dir/adapter/`.
    pub dir: String,
    /// File name to signed PUT URL, for backends whose workers upload directly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub upload_urls: BTreeMap<String, String>,
}

/// The job spec: everything a worker needs to train one adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkerSpec {
    /// Always [`PROTOCOL_VERSION`].
    pub v: u32,
    /// The job.
    pub job_id: JobId,
    /// Which attempt of the job this is: 0, then 1, 2, ... for retries of transient failures.
    #[serde(default)]
    pub attempt: u32,
    /// How the data and the adapter travel ([`Transfer::SharedFilesystem`] when absent).
    #[serde(default)]
    pub transfer: Transfer,
    /// GPUs the engine reserves for the worker: the job's GPU count, 0 on the CPU.
    #[serde(default)]
    pub gpus: u32,
    /// Hub id, local directory, or `smoke`.
    pub base_model: String,
    /// The training knobs.
    pub hyperparameters: Hyperparameters,
    /// The data.
    pub dataset: SpecDataset,
    /// The output.
    pub output: SpecOutput,
    /// Seed of shuffling and initialisation.
    pub seed: u64,
    /// A metric event every this many optimiser steps.
    pub logging_steps: u32,
    /// Stop after this many optimiser steps.
    pub max_steps: Option<u64>,
}

/// What a worker event says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// Training has started.
    Started {
        /// Optimiser steps of the whole run.
        total_steps: u64,
        /// Epochs of the run.
        epochs: u32,
        /// The device (`cuda`, `cpu`).
        #[serde(default)]
        device: Option<String>,
        /// Training examples after tokenization.
        #[serde(default)]
        train_examples: Option<u64>,
    },
    /// A new phase of the run.
    Phase {
        /// `loading`, `training`, `evaluating`, `saving`.
        phase: String,
    },
    /// Training metrics at an optimiser step.
    Metric {
        /// The step.
        step: u64,
        /// Steps of the whole run.
        #[serde(default)]
        total_steps: Option<u64>,
        /// Fractional epoch.
        #[serde(default)]
        epoch: Option<f64>,
        /// Training loss.
        #[serde(default)]
        loss: Option<f64>,
        /// Learning rate.
        #[serde(default)]
        learning_rate: Option<f64>,
        /// Gradient norm before clipping.
        #[serde(default)]
        grad_norm: Option<f64>,
        /// Tokens per second.
        #[serde(default)]
        tokens_per_second: Option<f64>,
        /// GPU memory in use, GB.
        #[serde(default)]
        gpu_memory_used_gb: Option<f64>,
        /// GPU utilisation, percent.
        #[serde(default)]
        gpu_utilization_percent: Option<f64>,
    },
    /// Validation loss.
    Eval {
        /// The step.
        step: u64,
        /// The epoch just finished.
        #[serde(default)]
        epoch: Option<f64>,
        /// Mean loss per trainable token.
        #[serde(default)]
        eval_loss: Option<f64>,
    },
    /// A file of the adapter, written.
    Artifact {
        /// File name.
        name: String,
        /// Size.
        bytes: u64,
        /// Hex sha256.
        sha256: String,
        /// Where the worker wrote it.
        #[serde(default)]
        path: Option<String>,
    },
    /// The run finished successfully.
    Completed {
        /// Optimiser steps done.
        #[serde(default)]
        steps: Option<u64>,
        /// Tokens processed.
        #[serde(default)]
        tokens: Option<u64>,
        /// Seconds of the run.
        #[serde(default)]
        duration_seconds: Option<f64>,
    },
    /// The run failed.
    Failed {
        /// `bad_spec`, `dataset_error`, `out_of_memory`, `internal`, ...
        error_type: String,
        /// What happened.
        message: String,
    },
    /// The run stopped on request.
    Cancelled {
        /// The last step done.
        #[serde(default)]
        step: Option<u64>,
        /// Whether a partial adapter was saved.
        #[serde(default)]
        partial_adapter: bool,
    },
}

/// One event of a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkerEvent {
    /// Protocol version.
    pub v: u32,
    /// Sequence number, from 1: a re-read event has a `seq` already seen.
    pub seq: u64,
    /// When the worker wrote it.
    pub ts: Timestamp,
    /// What it says.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A line of worker output: an event, or anything else (a log line, or a malformed event,
/// which is logged rather than trusted). As JSON: `{"event": {...}}` or `{"log": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkerLine {
    /// A well-formed protocol v1 event.
    Event(WorkerEvent),
    /// Any other line.
    Log(String),
}

/// Classifies one line of worker stdout.
pub fn parse_line(line: &str) -> WorkerLine {
    let trimmed = line.trim_end_matches(['\r', '\n']);
    match serde_json::from_str::<WorkerEvent>(trimmed) {
        Ok(event) if event.v == PROTOCOL_VERSION => WorkerLine::Event(event),
        _ => WorkerLine::Log(trimmed.to_owned()),
    }
}

/// What a worker's exit code means in the protocol (2 bad spec, 3 dataset, 4 out of
/// memory, 1 other), or the signal that killed it: a negative code (as `Popen` reports it)
/// or 128 + the signal (as a shell does).
pub fn exit_code_meaning(code: i32) -> String {
    match code {
        1 => "the worker failed".to_owned(),
        2 => "the worker rejected its job spec".to_owned(),
        3 => "the worker could not use the dataset".to_owned(),
        4 => "the worker ran out of memory".to_owned(),
        code if code < 0 => format!("the worker was killed by signal {}", -code),
        code if code > 128 => format!("the worker was killed by signal {}", code - 128),
        code => format!("the worker exited with code {code}"),
    }
}

/// `worker_command` reading its spec from [`SPEC_VAR`], and the spec's JSON to put there.
pub(crate) fn spec_env_command(
    worker_command: &[String],
    spec: &WorkerSpec,
) -> Result<(Vec<String>, String), super::BackendError> {
    let json = serde_json::to_string(spec).map_err(|e| super::BackendError::Launch { reason: e.to_string() })?;
    let mut command = worker_command.to_vec();
    command.extend(["--spec-env".to_owned(), SPEC_VAR.to_owned()]);
    Ok((command, json))
}

/// The spec the unit tests of the backends submit: attempt `attempt` of a new job on the
/// smoke model with `gpus` GPUs, its data and output under `/scratch`, shared filesystem.
#[cfg(test)]
pub(crate) fn example_spec(attempt: u32, gpus: u32) -> WorkerSpec {
    WorkerSpec {
        v: PROTOCOL_VERSION,
        job_id: JobId::new(),
        attempt,
        transfer: Transfer::SharedFilesystem,
        gpus,
        base_model: "smoke".into(),
        hyperparameters: crate::config::Preset::Balanced.hyperparameters("smoke"),
        dataset: SpecDataset { train: "/scratch/train.jsonl".into(), validation: None },
        output: SpecOutput { dir: "/scratch/output".into(), upload_urls: Default::default() },
        seed: 1,
        logging_steps: 1,
        max_steps: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_events_the_reference_worker_prints() {
        let line = r#"{"v":1,"seq":7,"ts":"2026-11-26T10:00:00.123456Z","event":"metric","step":3,"total_steps":24,"epoch":0.25,"loss":5.1,"learning_rate":0.005,"grad_norm":1.2,"tokens_per_second":800.5}"#;
        let WorkerLine::Event(event) = parse_line(line) else { panic!("not an event") };
        assert_eq!(event.seq, 7);
        assert!(matches!(event.kind, EventKind::Metric { step: 3, loss: Some(l), .. } if (l - 5.1).abs() < 1e-12));
        let failed = r#"{"v":1,"seq":2,"ts":"2026-11-26T10:00:00Z","event":"failed","error_type":"out_of_memory","message":"lower batch_size"}"#;
        assert!(matches!(parse_line(failed), WorkerLine::Event(WorkerEvent { kind: EventKind::Failed { .. }, .. })));
    }

    #[test]
    fn anything_else_is_a_log_line() {
        for line in [
            "Loading checkpoint shards: 100%",
            r#"{"v":2,"seq":1,"ts":"2026-11-26T10:00:00Z","event":"phase","phase":"x"}"#,
            r#"{"v":1,"seq":1,"ts":"2026-11-26T10:00:00Z","event":"teleported"}"#,
            r#"{"v":1,"seq":"one","ts":"2026-11-26T10:00:00Z","event":"phase","phase":"x"}"#,
            r#"{"v":1,"seq":1,"ts":"2026-11-26T10:00:00Z","event":"metric"}"#,
        ] {
            assert!(matches!(parse_line(line), WorkerLine::Log(_)), "{line}");
        }
    }

    #[test]
    fn null_metrics_from_non_finite_floats_are_accepted() {
        let line = r#"{"v":1,"seq":3,"ts":"2026-11-26T10:00:00Z","event":"metric","step":1,"loss":null}"#;
        assert!(matches!(
            parse_line(line),
            WorkerLine::Event(WorkerEvent { kind: EventKind::Metric { loss: None, .. }, .. })
        ));
    }
}
