//! A job that succeeds: validated dataset -> queued -> running -> completed, with its
//! metrics, verified adapter, cost and notifications; and one followed across a restart.

use std::sync::Arc;

use brightrun_core::model::{ConvergenceQuality, CostType, JobStatus};
use brightrun_core::orchestrator::Orchestrator;
use brightrun_core::store::{Database, MetricSeries};

use crate::world::{fast_options, run_dirs, run_to_end, world};

crate::on_both_backends!(
    completes_with_metrics_adapter_cost_and_notifications,
    duplicated_events_are_stored_once,
    a_restarted_orchestrator_carries_on
);

async fn completes_with_metrics_adapter_cost_and_notifications(db: Arc<dyn Database>) {
    let w = world(db, "success");
    let job = w.queued_job().await;
    assert_eq!(job.status, JobStatus::Queued);
    assert!(job.estimated_total_cost.is_some());
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    assert_eq!((job.current_step, job.progress_percent), (4, 100.0));

    let points = w.app.job_metrics(w.user, job.id, MetricSeries::TrainingLoss, 100).await.unwrap();
    let losses: Vec<f64> = points.iter().filter_map(|p| p.metrics.training_loss).collect();
    assert_eq!(losses, [3.0, 1.5, 1.0, 0.75]);
    let validation = w.app.job_metrics(w.user, job.id, MetricSeries::ValidationLoss, 100).await.unwrap();
    assert_eq!(validation.iter().map(|p| (p.step, p.metrics.validation_loss)).collect::<Vec<_>>(), [(4, Some(1.1))]);

    let model = w.app.get_model(w.user, job.artifact_id.unwrap()).await.unwrap();
    assert_eq!(model.files.len(), 2);
    assert_eq!(model.quality_metrics.convergence_quality, Some(ConvergenceQuality::Excellent));
    assert!((model.quality_metrics.perplexity.unwrap() - 1.1f64.exp()).abs() < 1e-9);
    let renamed = brightrun_core::service::ModelUpdate {
        name: Some("calm support v1".into()),
        description: Some(Some("first adapter".into())),
        status: None,
    };
    let model = w.app.update_model(w.user, model.id, renamed).await.unwrap();
    assert_eq!((model.name.as_str(), model.description.as_deref()), ("calm support v1", Some("first adapter")));
    let downloads = w.app.model_downloads(w.user, model.id, std::time::Duration::from_secs(60)).await.unwrap();
    for download in downloads {
        let brightrun_core::blob::Location::LocalPath(path) = download.location else { panic!("a local store") };
        assert_eq!(std::fs::metadata(&path).unwrap().len(), download.bytes);
    }

    let summary = w.app.cost_summary(w.user).await.unwrap();
    assert!(summary.month.of(CostType::Compute) > brightrun_core::model::Money::ZERO);
    assert_eq!(job.final_cost, Some(summary.month.of(CostType::Compute)));
    let kinds = w.notification_types().await;
    for kind in ["dataset_ready", "job_queued", "job_started", "job_complete"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
    assert_eq!(w.app.unread_notifications(w.user).await.unwrap(), kinds.len() as u64);
}

async fn duplicated_events_are_stored_once(db: Arc<dyn Database>) {
    let w = world(db, "malformed");
    let job = w.queued_job().await;
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    let points = w.app.job_metrics(w.user, job.id, MetricSeries::TrainingLoss, 100).await.unwrap();
    assert_eq!(points.iter().map(|p| p.step).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let log = w.app.job_events(w.user, job.id, Default::default()).await.unwrap();
    assert!(
        log.lines
            .iter()
            .any(|l| matches!(l, brightrun_core::backend::WorkerLine::Log(text) if text.contains("checkpoint")))
    );
}

async fn a_restarted_orchestrator_carries_on(db: Arc<dyn Database>) {
    let w = world(db, "wait");
    let job = w.queued_job().await;
    let running = w.run_until(job.id, |j| j.status == JobStatus::Running && j.current_step >= 2).await;
    // The first orchestrator is gone; a new one (new lease holder) takes over.
    drop(w.orchestrator.clone());
    let second = Orchestrator::new(w.app.clone(), fast_options());
    let run_dir = run_dirs(&w.home).remove(0);
    std::fs::write(run_dir.join("release"), "").unwrap();
    let job = run_to_end(&second, &w.app, w.user, running.id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    let points = w.app.job_metrics(w.user, job.id, MetricSeries::TrainingLoss, 100).await.unwrap();
    assert_eq!(points.iter().map(|p| p.step).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let runs = run_dirs(&w.home).len();
    assert_eq!(runs, 1, "submitted exactly once");
}
