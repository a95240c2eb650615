//! Fuzzes the worker event parser and the follower's state machine with adversarial worker
//! output: any bytes, read as lines of worker stdout (events and logs, re-sent, reordered,
//! with hostile numbers), applied as the orchestrator applies them across passes.
//!
//! The first byte picks where the stream is cut into passes; the rest is the stream. What
//! must hold, for any input:
//! * parsing and applying never panic;
//! * the metrics points come out the same however the stream is cut into passes, and
//!   whether or not the state went through its stored form (JSON in the job's row) between
//!   passes, as after an orchestrator restart;
//! * re-reading what was already applied changes nothing;
//! * every point's step, and every count the state keeps, fits the databases' signed 64-bit
//!   columns, and sequence numbers only move forward.

#![no_main]

use std::sync::OnceLock;

use brightrun_core::backend::protocol::parse_line;
use brightrun_core::backend::{BackendHandle, WorkerLine};
use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::model::{DatasetId, MetricsPoint, Timestamp, TrainingJob, UserId};
use brightrun_core::orchestrator::FollowState;
use libfuzzer_sys::fuzz_target;

const MAX_STORED: u64 = i64::MAX as u64;

fn job() -> &'static TrainingJob {
    static JOB: OnceLock<TrainingJob> = OnceLock::new();
    JOB.get_or_init(|| {
        TrainingJob::new_queued(
            UserId::new(),
            DatasetId::new(),
            Preset::Balanced,
            Preset::Balanced.hyperparameters("smoke"),
            GpuSelection::new("CPU", 1, None).expect("the CPU is in the catalog"),
            4,
            Timestamp::now(),
        )
    })
}

fn fresh() -> FollowState {
    FollowState::new(BackendHandle { backend: "fuzz".into(), external_id: "x".into(), data: serde_json::Value::Null })
}

/// Applies `passes` one after the other, storing and reloading the state between passes
/// when `restart`; returns every point in order (the held-back one last) and the state.
fn follow(passes: &[Vec<WorkerLine>], restart: bool, now: Timestamp) -> (Vec<MetricsPoint>, FollowState) {
    let job = job();
    let mut state = fresh();
    let mut points = Vec::new();
    for lines in passes {
        if restart {
            let stored = state.to_value();
            state = serde_json::from_value(stored).expect("a stored state reads back");
        }
        let before = state.last_seq;
        points.extend(state.apply(job, lines.clone(), now));
        assert!(state.last_seq >= before, "sequence numbers only move forward");
        assert!(state.apply(job, lines.clone(), now).is_empty(), "a re-read pass changes nothing");
    }
    points.extend(state.flush());
    (points, state)
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(stream);
    let lines: Vec<WorkerLine> = text.split('\n').map(parse_line).collect();
    let now = Timestamp::now();
    let whole = follow(std::slice::from_ref(&lines), false, now);
    // Passes of `cut % 7 + 1` lines each.
    let size = usize::from(cut % 7) + 1;
    let passes: Vec<Vec<WorkerLine>> = lines.chunks(size).map(<[WorkerLine]>::to_vec).collect();
    for restart in [false, true] {
        let (points, state) = follow(&passes, restart, now);
        assert_eq!(points, whole.0, "points depend on where passes were cut (restart: {restart})");
        assert_eq!(state.to_value(), whole.1.to_value(), "the state depends on the passes (restart: {restart})");
    }
    let (points, state) = whole;
    assert!(points.iter().all(|p| p.step <= MAX_STORED), "a step beyond the databases' columns");
    assert!(state.step <= MAX_STORED && state.total_steps.is_none_or(|t| t <= MAX_STORED));
});
