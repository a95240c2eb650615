//! Hostile numbers and faults of one job: a worker reporting counts no run has, a
//! throughput near zero, a bug that panics on one job only. None of them stops a pass or
//! the other jobs, and none survives into every later pass.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use brightrun_core::ErrorCode;
use brightrun_core::backend::{
    BackendError, BackendHandle, BackendStatus, CollectedArtifact, EventBatch, EventCursor, GpuBackend, WorkerSpec,
    WorkerTimes,
};
use brightrun_core::model::{JobId, JobStatus, Timestamp};
use brightrun_core::orchestrator::{MAX_STEPS, Orchestrator};
use brightrun_core::store::{Database, MetricSeries};

use crate::world::{World, fast_options, run_to_end, world, world_with_backend, world_with_slots};

crate::on_both_backends!(
    a_worker_reporting_impossible_counts_is_followed_to_its_end,
    a_throughput_near_zero_is_an_error_or_a_job_never_a_panic,
    gpus_the_backend_cannot_give_are_refused_before_anything_is_billed,
    a_job_that_panics_never_stops_the_pass_for_the_others,
);

/// Passes by fresh orchestrators (restarts) until `done`, failing on any error in a pass.
async fn passes_without_errors(w: &World, id: JobId, done: impl Fn(&brightrun_core::model::TrainingJob) -> bool) {
    for _ in 0..1500 {
        let report = Orchestrator::new(w.app.clone(), fast_options()).run_once().await.unwrap();
        assert_eq!(report.errors, 0, "a pass failed on job {id}");
        if done(&w.app.get_job(w.user, id).await.unwrap().job) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached the expected state");
}

async fn a_worker_reporting_impossible_counts_is_followed_to_its_end(db: Arc<dyn Database>) {
    let w = world(db, "hostile");
    let id = w.queued_job().await.id;
    // Step 1 of 2^64 - 1, then step 2^64 - 1, then step 2 of 1e11: the ETA and the stored
    // counts must cope, pass after pass, orchestrator after orchestrator.
    passes_without_errors(&w, id, |j| j.status == JobStatus::Running && j.current_step == 2).await;
    for _ in 0..3 {
        passes_without_errors(&w, id, |_| true).await;
    }
    let job = w.app.get_job(w.user, id).await.unwrap().job;
    assert_eq!(job.current_step, 2);
    assert!(job.progress_percent >= 0.0 && job.progress_percent < 1e-6, "{}", job.progress_percent);
    assert!(job.estimated_completion_at.is_none_or(|eta| eta > Timestamp::now() && eta <= Timestamp::MAX));
    std::fs::write(w.attempt_dir(id, 0).join("release"), "").unwrap();
    passes_without_errors(&w, id, |j| j.status.is_final()).await;
    let job = w.app.get_job(w.user, id).await.unwrap().job;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    let points = w.app.database().metrics_range(w.user, id, 0, MAX_STEPS, 100).await.unwrap();
    let steps: Vec<u64> = points.iter().map(|p| p.step).collect();
    assert_eq!(steps, [1, 2, 3, 4, MAX_STEPS], "the impossible step is stored clamped");
    // A chart of it still reads (downsampled over the whole impossible range).
    let chart = w.app.job_metrics(w.user, id, MetricSeries::TrainingLoss, 100).await.unwrap();
    assert!(chart.iter().any(|p| p.step == MAX_STEPS) && chart.len() <= points.len());
    assert_eq!(job.final_cost, Some(w.job_cost_records(id).await.iter().map(|r| r.amount).sum()));
}

async fn a_throughput_near_zero_is_an_error_or_a_job_never_a_panic(db: Arc<dyn Database>) {
    let w = world(db, "success");
    let dataset = w.ready_dataset().await;
    for tiny in [f64::MIN_POSITIVE, 5e-324, 1e-300] {
        let request =
            brightrun_core::service::JobRequest { measured_tokens_per_second: Some(tiny), ..w.job_request(&dataset) };
        let err = w.app.create_job(w.user, &request).await.unwrap_err();
        assert_eq!(err.code(), "estimate_out_of_range", "{tiny}: {err}");
    }
    // Slow enough to end after the year 9999, yet a number of hours: the job is made,
    // with no completion time.
    let request =
        brightrun_core::service::JobRequest { measured_tokens_per_second: Some(1e-9), ..w.job_request(&dataset) };
    let job = w.app.create_job(w.user, &request).await.unwrap();
    assert_eq!(job.estimated_completion_at, None);
    let estimate = job.estimated_total_cost.unwrap();
    assert_eq!(estimate.amount().scale(), 2, "estimates are in cents: {estimate}");
    // A price set around `GpuSelection::new` is refused too.
    let mut request = w.job_request(&dataset);
    request.gpu.price_per_gpu_hour = "-1".parse().unwrap();
    assert_eq!(w.app.create_job(w.user, &request).await.unwrap_err().code(), "invalid_price");
}

async fn gpus_the_backend_cannot_give_are_refused_before_anything_is_billed(db: Arc<dyn Database>) {
    use brightrun_core::config::GpuSelection;
    use brightrun_core::service::JobRequest;

    // Two one-GPU slots: no job can get two GPUs here.
    let w = world_with_slots(db, "success", &["0", "1"], |backend| backend);
    let dataset = w.ready_dataset().await;
    let asking = |gpu: &str, count: u32| JobRequest {
        gpu: GpuSelection::new(gpu, count, None).unwrap(),
        ..w.job_request(&dataset)
    };
    let two = asking("A100-80GB", 2);
    for error in
        [w.app.estimate_job(w.user, &two).await.unwrap_err(), w.app.create_job(w.user, &two).await.unwrap_err()]
    {
        assert_eq!(error.code(), "not_enough_gpus", "{error}");
        let text = error.to_string();
        assert!(text.contains("asks for 2 GPUs") && text.contains("at most 1") && text.contains("0 1"), "{text}");
    }
    let error = w.app.create_job(w.user, &asking("CPU", 2)).await.unwrap_err();
    assert_eq!(error.code(), "not_enough_gpus", "a CPU job is one process: {error}");
    assert_eq!(w.app.list_jobs(w.user, &Default::default()).await.unwrap().total, 0, "no job, no cost");
    // What a slot can give is taken, and runs.
    let one = w.app.create_job(w.user, &asking("A100-80GB", 1)).await.unwrap();
    assert_eq!(w.run_to_end(one.id).await.status, JobStatus::Completed);
}

/// The local backend, except that reading the status of one attempt panics: a bug that
/// only one job meets.
struct PanicsOn {
    inner: Arc<dyn GpuBackend>,
    poisoned: Arc<Mutex<Option<String>>>,
}

#[async_trait]
impl GpuBackend for PanicsOn {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn submit(&self, spec: &WorkerSpec) -> Result<BackendHandle, BackendError> {
        self.inner.submit(spec).await
    }

    async fn find(
        &self,
        job_id: brightrun_core::model::JobId,
        attempt: u32,
    ) -> Result<Option<BackendHandle>, BackendError> {
        self.inner.find(job_id, attempt).await
    }

    async fn status(&self, handle: &BackendHandle) -> Result<BackendStatus, BackendError> {
        let poisoned = self.poisoned.lock().unwrap().clone();
        if poisoned.as_deref() == Some(handle.external_id.as_str()) {
            panic!("a bug only job attempt {} meets", handle.external_id);
        }
        self.inner.status(handle).await
    }

    async fn worker_times(&self, handle: &BackendHandle) -> Result<WorkerTimes, BackendError> {
        self.inner.worker_times(handle).await
    }

    async fn events(&self, handle: &BackendHandle, cursor: EventCursor) -> Result<EventBatch, BackendError> {
        self.inner.events(handle, cursor).await
    }

    async fn cancel(&self, handle: &BackendHandle) -> Result<(), BackendError> {
        self.inner.cancel(handle).await
    }

    async fn collect(&self, handle: &BackendHandle) -> Result<Vec<CollectedArtifact>, BackendError> {
        self.inner.collect(handle).await
    }
}

async fn a_job_that_panics_never_stops_the_pass_for_the_others(db: Arc<dyn Database>) {
    let poisoned = Arc::new(Mutex::new(None));
    let w = world_with_backend(db, "success", |inner| Arc::new(PanicsOn { inner, poisoned: poisoned.clone() }));
    let bad = w.queued_job().await;
    let dataset = w.app.get_dataset(w.user, bad.dataset_id).await.unwrap();
    let good = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    *poisoned.lock().unwrap() = Some(format!("{}-0", bad.id));
    let mut errors = 0;
    for _ in 0..1500 {
        let report = w.orchestrator.run_once().await.expect("a pass never fails for one job");
        errors += report.errors;
        if w.app.get_job(w.user, good.id).await.unwrap().job.status.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let good = w.app.get_job(w.user, good.id).await.unwrap().job;
    assert_eq!(good.status, JobStatus::Completed, "{:?}", good.error_message);
    assert!(errors > 0, "the bad job's panics were counted as its errors");
    assert!(!w.app.get_job(w.user, bad.id).await.unwrap().job.status.is_final());
    // Once the bug is gone, the bad job carries on where it was.
    *poisoned.lock().unwrap() = None;
    let bad = run_to_end(&w.orchestrator, &w.app, w.user, bad.id).await;
    assert_eq!(bad.status, JobStatus::Completed, "{:?}", bad.error_message);
}
