//! Following a submitted job: what the orchestrator remembers between passes, and how
//! worker events become metrics points and progress.

use serde::{Deserialize, Serialize};

use crate::backend::{BackendHandle, EventCursor, EventKind, WorkerLine};
use crate::model::{CurrentMetrics, JobStage, MetricsPoint, Timestamp, TrainingJob};
use crate::store::JobError;

/// What the orchestrator knows of a submitted job, stored with it (as its backend handle
/// column) after every pass, so a restarted orchestrator carries on exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowState {
    /// How to reach the job on its backend.
    pub handle: BackendHandle,
    /// Where the next read of the worker's output starts.
    pub cursor: EventCursor,
    /// The highest event sequence number applied (re-read events are dropped).
    pub last_seq: u64,
    /// Whether the worker announced `completed`.
    pub completed_seen: bool,
    /// The worker's `failed` event, if any.
    pub failure: Option<JobError>,
    /// The latest metrics point, held back until the next step so that an `eval` of the
    /// same step lands in it.
    pub pending_point: Option<MetricsPoint>,
    /// Optimiser steps of the run, as the worker counted them.
    pub total_steps: Option<u64>,
    /// The latest step.
    pub step: u64,
    /// The latest fractional epoch.
    pub epoch: f64,
    /// What the worker is doing.
    pub stage: Option<JobStage>,
    /// The latest metrics.
    pub metrics: Option<CurrentMetrics>,
    /// Tokens the worker reported processing.
    pub tokens_processed: Option<u64>,
    /// Why the orchestrator stopped the job itself (a cost cap), if it did.
    pub stop_reason: Option<String>,
    /// When the worker started, as its backend recorded it, once known: billing starts
    /// here (else when the job was first seen running).
    #[serde(default)]
    pub worker_started_at: Option<Timestamp>,
    /// When the worker exited, fixed the first time the job is seen done (the backend's
    /// record of the exit, else that moment): billing stops here, however late the job is
    /// settled, and a restarted orchestrator bills the same.
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// Whether the worker was asked to stop because its owner cancelled the job
    /// ([`TrainingJob::cancel_requested_at`]): asked once, then followed to its end.
    #[serde(default)]
    pub cancel_sent: bool,
}

/// The most steps a job counts: the databases store counts as signed 64-bit integers, so a
/// worker's larger count is clamped to this rather than failing every pass.
pub const MAX_STEPS: u64 = i64::MAX as u64;

impl FollowState {
    /// The state of a job just submitted.
    pub fn new(handle: BackendHandle) -> Self {
        Self {
            handle,
            cursor: EventCursor::default(),
            last_seq: 0,
            completed_seen: false,
            failure: None,
            pending_point: None,
            total_steps: None,
            step: 0,
            epoch: 0.0,
            stage: None,
            metrics: None,
            tokens_processed: None,
            stop_reason: None,
            worker_started_at: None,
            ended_at: None,
            cancel_sent: false,
        }
    }

    /// When billing of this attempt starts: the worker's start, or else when the job was
    /// first seen running; `None` if neither happened.
    pub fn billed_from(&self, job: &TrainingJob) -> Option<Timestamp> {
        self.worker_started_at.or(job.started_at)
    }

    /// The state stored with a job, if it was submitted.
    pub fn of(job: &TrainingJob) -> Option<Self> {
        job.backend_handle.clone().and_then(|value| serde_json::from_value(value).ok())
    }

    /// As stored in the job's backend handle column.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Applies worker output in order; returns the metrics points now complete. Counts
    /// beyond [`MAX_STEPS`] are clamped to it; floats from the worker are kept as given
    /// (JSON has no NaN or infinity), and whatever reads them must expect any value.
    pub fn apply(&mut self, job: &TrainingJob, lines: Vec<WorkerLine>, now: Timestamp) -> Vec<MetricsPoint> {
        let mut ready = Vec::new();
        for line in lines {
            let WorkerLine::Event(event) = line else { continue };
            if event.seq <= self.last_seq {
                continue;
            }
            self.last_seq = event.seq;
            match event.kind {
                EventKind::Started { total_steps, .. } => self.total_steps = Some(total_steps.min(MAX_STEPS)),
                EventKind::Phase { phase } => self.stage = stage_of(&phase).or(self.stage),
                EventKind::Metric {
                    step,
                    total_steps,
                    epoch,
                    loss,
                    learning_rate,
                    grad_norm,
                    tokens_per_second,
                    gpu_memory_used_gb,
                    gpu_utilization_percent,
                } => {
                    let metrics = CurrentMetrics {
                        training_loss: loss,
                        validation_loss: self.metrics.and_then(|m| m.validation_loss),
                        learning_rate,
                        grad_norm,
                        tokens_per_second,
                        gpu_utilization_percent,
                        gpu_memory_used_gb,
                    };
                    let step = step.min(MAX_STEPS);
                    self.total_steps = total_steps.map(|total| total.min(MAX_STEPS)).or(self.total_steps);
                    self.step = step;
                    self.epoch = epoch.unwrap_or(self.epoch);
                    self.metrics = Some(metrics);
                    let point = MetricsPoint {
                        job_id: job.id,
                        step,
                        epoch: self.epoch,
                        metrics: CurrentMetrics { validation_loss: None, ..metrics },
                        recorded_at: event.ts,
                    };
                    if let Some(previous) = self.pending_point.replace(point)
                        && previous.step != step
                    {
                        ready.push(previous);
                    }
                }
                EventKind::Eval { step, eval_loss, epoch } => {
                    let step = step.min(MAX_STEPS);
                    if let Some(metrics) = self.metrics.as_mut() {
                        metrics.validation_loss = eval_loss;
                    }
                    match self.pending_point.as_mut() {
                        Some(point) if point.step == step => point.metrics.validation_loss = eval_loss,
                        _ => ready.push(MetricsPoint {
                            job_id: job.id,
                            step,
                            epoch: epoch.unwrap_or(self.epoch),
                            metrics: CurrentMetrics { validation_loss: eval_loss, ..CurrentMetrics::default() },
                            recorded_at: now,
                        }),
                    }
                }
                EventKind::Completed { tokens, .. } => {
                    self.completed_seen = true;
                    self.tokens_processed = tokens.or(self.tokens_processed);
                }
                EventKind::Failed { error_type, message } => self.failure = Some(JobError { error_type, message }),
                EventKind::Artifact { .. } | EventKind::Cancelled { .. } => {}
            }
        }
        ready
    }

    /// The held-back point, once the run is over.
    pub fn flush(&mut self) -> Option<MetricsPoint> {
        self.pending_point.take()
    }
}

fn stage_of(phase: &str) -> Option<JobStage> {
    match phase {
        "loading" => Some(JobStage::Loading),
        "training" => Some(JobStage::Training),
        "evaluating" => Some(JobStage::Evaluating),
        "saving" => Some(JobStage::Saving),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::protocol::parse_line;
    use crate::model::smoke_job as job;

    fn lines(events: &[&str]) -> Vec<WorkerLine> {
        events
            .iter()
            .enumerate()
            .map(|(i, body)| parse_line(&format!(r#"{{"v":1,"seq":{},"ts":"2026-11-26T10:00:00Z",{body}}}"#, i + 1)))
            .collect()
    }

    #[test]
    fn an_eval_lands_in_the_point_of_its_step_and_duplicates_are_dropped() {
        let job = job();
        let mut state = FollowState::new(BackendHandle {
            backend: "local".into(),
            external_id: "x".into(),
            data: serde_json::Value::Null,
        });
        let events = lines(&[
            r#""event":"started","total_steps":2,"epochs":1"#,
            r#""event":"phase","phase":"training""#,
            r#""event":"metric","step":1,"loss":2.0"#,
            r#""event":"metric","step":2,"loss":1.0"#,
            r#""event":"eval","step":2,"eval_loss":1.5"#,
            r#""event":"completed","tokens":100"#,
        ]);
        let ready = state.apply(&job, events.clone(), Timestamp::now());
        assert_eq!(ready.iter().map(|p| p.step).collect::<Vec<_>>(), [1]);
        assert!(state.apply(&job, events, Timestamp::now()).is_empty(), "a re-read changes nothing");
        let last = state.flush().unwrap();
        assert_eq!((last.step, last.metrics.validation_loss, last.metrics.training_loss), (2, Some(1.5), Some(1.0)));
        assert!(state.completed_seen);
        assert_eq!(
            (state.total_steps, state.tokens_processed, state.stage),
            (Some(2), Some(100), Some(JobStage::Training))
        );
    }

    #[test]
    fn hostile_counts_are_clamped_to_what_the_databases_store() {
        let job = job();
        let mut state = FollowState::new(BackendHandle {
            backend: "local".into(),
            external_id: "x".into(),
            data: serde_json::Value::Null,
        });
        let events = lines(&[
            r#""event":"started","total_steps":18446744073709551615,"epochs":1"#,
            r#""event":"metric","step":18446744073709551615,"total_steps":18446744073709551615,"epoch":1e308,"loss":-1e308"#,
            r#""event":"metric","step":100000000000,"total_steps":100000000000,"epoch":-5"#,
            r#""event":"eval","step":18446744073709551614,"eval_loss":1e308"#,
        ]);
        let ready = state.apply(&job, events, Timestamp::now());
        assert_eq!((state.step, state.total_steps), (100_000_000_000, Some(100_000_000_000)));
        assert_eq!(ready.iter().map(|p| p.step).collect::<Vec<_>>(), [MAX_STEPS, MAX_STEPS]);
        assert!(ready.iter().chain(state.pending_point.iter()).all(|p| p.step <= MAX_STEPS));
    }

    #[test]
    fn a_state_stored_before_the_exit_time_was_kept_still_reads() {
        let state = FollowState::new(BackendHandle {
            backend: "local".into(),
            external_id: "x".into(),
            data: serde_json::Value::Null,
        });
        let mut stored = state.to_value();
        let fields = stored.as_object_mut().unwrap();
        fields.remove("ended_at");
        fields.remove("worker_started_at");
        assert_eq!(serde_json::from_value::<FollowState>(stored).unwrap(), state);
    }

    proptest::proptest! {
        #[test]
        fn any_worker_numbers_are_applied_within_what_the_databases_store(
            events in proptest::collection::vec(any_event(), 0..40),
        ) {
            let job = job();
            let mut state = FollowState::new(BackendHandle {
                backend: "local".into(),
                external_id: "x".into(),
                data: serde_json::Value::Null,
            });
            let lines = events
                .into_iter()
                .enumerate()
                .map(|(i, kind)| {
                    WorkerLine::Event(crate::backend::WorkerEvent { v: 1, seq: i as u64 + 1, ts: Timestamp::MAX, kind })
                })
                .collect();
            let ready = state.apply(&job, lines, Timestamp::now());
            let pending = state.flush();
            for point in ready.iter().chain(pending.iter()) {
                proptest::prop_assert!(point.step <= MAX_STEPS);
            }
            proptest::prop_assert!(state.step <= MAX_STEPS);
            proptest::prop_assert!(state.total_steps.is_none_or(|total| total <= MAX_STEPS));
            proptest::prop_assert!(serde_json::to_value(&state).is_ok());
        }
    }

    fn any_float() -> impl proptest::strategy::Strategy<Value = Option<f64>> {
        proptest::option::of(proptest::prop_oneof![
            proptest::num::f64::ANY,
            proptest::strategy::Just(f64::NAN),
            proptest::strategy::Just(f64::INFINITY),
            proptest::strategy::Just(-1e308),
        ])
    }

    fn any_event() -> impl proptest::strategy::Strategy<Value = EventKind> {
        use proptest::strategy::Strategy;
        let count = || proptest::prop_oneof![proptest::num::u64::ANY, 0u64..=10];
        proptest::prop_oneof![
            (count(), proptest::num::u32::ANY).prop_map(|(total_steps, epochs)| EventKind::Started {
                total_steps,
                epochs,
                device: None,
                train_examples: None,
            }),
            (count(), proptest::option::of(count()), any_float(), any_float(), any_float()).prop_map(
                |(step, total_steps, epoch, loss, rate)| EventKind::Metric {
                    step,
                    total_steps,
                    epoch,
                    loss,
                    learning_rate: rate,
                    grad_norm: rate,
                    tokens_per_second: loss,
                    gpu_memory_used_gb: epoch,
                    gpu_utilization_percent: rate,
                }
            ),
            (count(), any_float(), any_float()).prop_map(|(step, eval_loss, epoch)| EventKind::Eval {
                step,
                eval_loss,
                epoch
            }),
            proptest::option::of(count()).prop_map(|tokens| EventKind::Completed {
                steps: None,
                tokens,
                duration_seconds: None
            }),
        ]
    }
}
