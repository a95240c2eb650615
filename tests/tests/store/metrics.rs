//! Metrics: batched idempotent writes, range reads, downsampled reads.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{JobId, MetricsPoint, UserId};
use brightrun_core::store::{Database, MetricSeries};

use crate::fixtures::{dataset, job, point};
use crate::on_both_backends;

on_both_backends!(metrics_are_written_once_per_step_and_read_back, downsampled_reads_keep_the_curve);

async fn stored_job(db: &Arc<dyn Database>) -> (UserId, JobId) {
    let user = UserId::new();
    let item = dataset(user, "metrics");
    db.insert_dataset(&item).await.unwrap();
    let queued = job(user, item.id);
    db.insert_job(&queued).await.unwrap();
    (user, queued.id)
}

async fn metrics_are_written_once_per_step_and_read_back(db: Arc<dyn Database>) {
    let (user, id) = stored_job(&db).await;
    let points: Vec<MetricsPoint> = (0..2_500).map(|step| point(id, step)).collect();
    assert_eq!(db.insert_metrics(user, id, &points).await.unwrap(), 2_500, "three batches");
    let overlapping: Vec<MetricsPoint> = (2_000..3_000).map(|step| point(id, step)).collect();
    assert_eq!(db.insert_metrics(user, id, &overlapping).await.unwrap(), 500, "re-read steps are ignored");
    assert_eq!(db.insert_metrics(user, id, &[]).await.unwrap(), 0);

    let range = db.metrics_range(user, id, 100, 199, 50).await.unwrap();
    assert_eq!(range, points[100..150], "in step order, every field equal");
    assert_eq!(db.metrics_range(user, id, 2_990, 5_000, 100).await.unwrap().len(), 10);
    assert!(db.metrics_range(user, id, 9_000, 9_999, 100).await.unwrap().is_empty());

    let stray = [point(JobId::new(), 1)];
    assert_eq!(db.insert_metrics(user, id, &stray).await.unwrap_err().code(), "invalid_input");
}

async fn downsampled_reads_keep_the_curve(db: Arc<dyn Database>) {
    let (user, id) = stored_job(&db).await;
    let mut points: Vec<MetricsPoint> = (0..3_000).map(|step| point(id, step)).collect();
    // The spike's bucket of 64 steps (960..=1023) is written by two batches: the rollups merge.
    points[1_000].metrics.training_loss = Some(9.0);
    points[2_222].metrics.training_loss = Some(-1.0);
    for batch in [&points[..1_000], &points[900..2_100], &points[2_000..]] {
        db.insert_metrics(user, id, batch).await.unwrap();
    }

    // 3,000 steps for 50 points: read from the rollups; for 1,000 points: from the points.
    for wanted in [50, 1_000] {
        let chart = db.metrics_downsampled(user, id, MetricSeries::TrainingLoss, wanted).await.unwrap();
        assert_eq!(chart.len(), wanted);
        assert_eq!((chart[0].step, chart[wanted - 1].step), (0, 2_999), "first and last points");
        assert!(chart.windows(2).all(|pair| pair[0].step < pair[1].step));
        assert!(chart.iter().any(|p| p.step == 1_000), "the spike survives");
        assert!(chart.iter().any(|p| p.step == 2_222), "so does the dip");
        assert_eq!(chart[wanted / 2], points[chart[wanted / 2].step as usize], "whole points come back");
    }

    let eval = db.metrics_downsampled(user, id, MetricSeries::ValidationLoss, 1_000).await.unwrap();
    assert_eq!(eval.len(), 60, "only points that have the series: every 50th step");
    let (_, empty_job) = stored_job(&db).await;
    assert!(
        db.metrics_downsampled(user, empty_job, MetricSeries::TrainingLoss, 10).await.unwrap_err().code()
            == "not_found"
    );
}
