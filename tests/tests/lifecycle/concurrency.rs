//! Two orchestrators on one database: each job is submitted once and finished once.

use std::sync::Arc;

use brightrun_core::model::JobStatus;
use brightrun_core::orchestrator::Orchestrator;
use brightrun_core::store::{Database, MetricSeries};

use crate::world::{fast_options, run_dirs, world};

crate::on_both_backends!(two_orchestrators_share_the_work);

async fn two_orchestrators_share_the_work(db: Arc<dyn Database>) {
    let w = world(db, "success");
    let first = w.queued_job().await;
    let second = w
        .app
        .create_job(w.user, &w.job_request(&w.app.get_dataset(w.user, first.dataset_id).await.unwrap()))
        .await
        .unwrap();
    let a = Orchestrator::new(w.app.clone(), fast_options());
    let b = Orchestrator::new(w.app.clone(), fast_options());
    for _ in 0..1500 {
        let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
        ra.unwrap();
        rb.unwrap();
        let done = [first.id, second.id];
        let mut finished = 0;
        for id in done {
            if w.app.get_job(w.user, id).await.unwrap().job.status.is_final() {
                finished += 1;
            }
        }
        if finished == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for id in [first.id, second.id] {
        let job = w.app.get_job(w.user, id).await.unwrap().job;
        assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
        let points = w.app.job_metrics(w.user, id, MetricSeries::TrainingLoss, 100).await.unwrap();
        assert_eq!(points.len(), 4);
    }
    let runs = run_dirs(&w.home).len();
    assert_eq!(runs, 2, "each job submitted exactly once");
    let summary = w.app.cost_summary(w.user).await.unwrap();
    let records: Vec<_> = w.app.database().list_costs(w.user, summary.month.period).await.unwrap();
    assert_eq!(records.len(), 2, "one compute record per job");
}
