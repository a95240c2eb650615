//! The store's headline figures, on SQLite and on PostgreSQL (`BRIGHTRUN_TEST_DATABASE_URL`;
//! without it the PostgreSQL half prints SKIPPED):
//!
//! - metrics ingest: points per second, written in batches of 1,000;
//! - a chart of a 1,000,000-point loss curve: a downsampled read to 1,000 points;
//! - listing page 1 of 10,000 datasets with a name search.
//!
//! `cargo bench -p brightrun-benches --bench store -- --warm-up-time 1 --measurement-time 3`

use std::sync::Arc;

use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::model::{
    CurrentMetrics, Dataset, DatasetFormat, DatasetId, DatasetStatus, JobId, MetricsPoint, Timestamp, TrainingJob,
    UserId,
};
use brightrun_core::store::{
    self, Database, DatasetQuery, MetricSeries, PageRequest, PostgresOptions, SchemaName, SqliteOptions,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sqlx::Executor;
use tokio::runtime::Runtime;

const BATCH: u64 = 1_000;
const CURVE_POINTS: u64 = 1_000_000;
const CHART_POINTS: usize = 1_000;
const DATASETS: u64 = 10_000;

/// One backend under test, and how to remove what the benchmark wrote.
struct Backend {
    name: &'static str,
    db: Arc<dyn Database>,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

fn backends(runtime: &Runtime) -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = runtime.block_on(store::open_sqlite(&SqliteOptions::new(dir.path().join("bench.db")))).unwrap();
    let mut backends = vec![Backend { name: "sqlite", db: sqlite, cleanup: None, _dir: Some(dir) }];
    match std::env::var("BRIGHTRUN_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let options = PostgresOptions::new(&url).schema(SchemaName::new(&schema).unwrap());
            let db = runtime.block_on(store::open_postgres(&options)).unwrap();
            backends.push(Backend { name: "postgres", db, cleanup: Some((url, schema)), _dir: None });
        }
        _ => eprintln!("SKIPPED the PostgreSQL benchmarks: set BRIGHTRUN_TEST_DATABASE_URL to run them"),
    }
    backends
}

fn now() -> Timestamp {
    Timestamp::now()
}

fn dataset(user_id: UserId, name: String) -> Dataset {
    Dataset {
        id: DatasetId::new(),
        user_id,
        name,
        description: None,
        format: DatasetFormat::Chat,
        status: DatasetStatus::Ready,
        storage_path: None,
        file_name: "train.jsonl".into(),
        file_size: 1_000_000,
        total_training_pairs: 1_000,
        total_validation_pairs: 100,
        total_tokens: 2_000_000,
        avg_turns_per_conversation: Some(4.0),
        avg_tokens_per_example: Some(2_000.0),
        training_ready: true,
        statistics: None,
        validation_errors: Vec::new(),
        sample_data: None,
        validated_at: None,
        created_at: now(),
        updated_at: now(),
        deleted_at: None,
    }
}

/// A user with one dataset and one job, stored.
async fn job(db: &Arc<dyn Database>) -> (UserId, JobId) {
    let user = UserId::new();
    let data = dataset(user, "metrics".into());
    db.insert_dataset(&data).await.unwrap();
    let hyperparameters = Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1");
    let gpu = GpuSelection::new("A100-80GB", 1, None).unwrap();
    let job = TrainingJob::new_queued(user, data.id, Preset::Balanced, hyperparameters, gpu, CURVE_POINTS, now());
    db.insert_job(&job).await.unwrap();
    (user, job.id)
}

fn points(job_id: JobId, steps: std::ops::Range<u64>) -> Vec<MetricsPoint> {
    let recorded_at = now();
    steps
        .map(|step| {
            let x = step as f64;
            MetricsPoint {
                job_id,
                step,
                epoch: x / 10_000.0,
                metrics: CurrentMetrics {
                    training_loss: Some(2.0 * (-x / 200_000.0).exp() + 0.3 + 0.05 * (x / 37.0).sin()),
                    learning_rate: Some(2e-4),
                    grad_norm: Some(0.8),
                    tokens_per_second: Some(5_000.0),
                    ..CurrentMetrics::default()
                },
                recorded_at,
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let backends = backends(&runtime);

    let mut ingest = c.benchmark_group("metrics_ingest");
    ingest.throughput(Throughput::Elements(BATCH));
    for backend in &backends {
        let (user, id) = runtime.block_on(job(&backend.db));
        let mut next = 0;
        ingest.bench_function(BenchmarkId::new(backend.name, "batch of 1000 points"), |b| {
            b.iter(|| {
                let batch = points(id, next..next + BATCH);
                next += BATCH;
                runtime.block_on(backend.db.insert_metrics(user, id, &batch)).unwrap()
            })
        });
    }
    ingest.finish();

    let mut chart = c.benchmark_group("metrics_downsampled");
    chart.sample_size(10);
    for backend in &backends {
        let (user, id) = runtime.block_on(job(&backend.db));
        for start in (0..CURVE_POINTS).step_by(100_000) {
            let batch = points(id, start..start + 100_000);
            runtime.block_on(backend.db.insert_metrics(user, id, &batch)).unwrap();
        }
        chart.bench_function(BenchmarkId::new(backend.name, "1,000,000 points to 1,000"), |b| {
            b.iter(|| {
                let read = backend.db.metrics_downsampled(user, id, MetricSeries::TrainingLoss, CHART_POINTS);
                let chart = runtime.block_on(read).unwrap();
                assert_eq!(chart.len(), CHART_POINTS);
                chart
            })
        });
    }
    chart.finish();

    let mut listing = c.benchmark_group("dataset_listing");
    for backend in &backends {
        let user = UserId::new();
        runtime.block_on(async {
            for i in 0..DATASETS {
                backend.db.insert_dataset(&dataset(user, format!("conversations-{i:05}"))).await.unwrap();
            }
        });
        let query = DatasetQuery {
            name_contains: Some("ions-01".into()),
            page: PageRequest::first(20),
            ..DatasetQuery::default()
        };
        listing.bench_function(BenchmarkId::new(backend.name, "page 1 of 10,000 with a name search"), |b| {
            b.iter(|| {
                let page = runtime.block_on(backend.db.list_datasets(user, &query)).unwrap();
                assert_eq!((page.items.len(), page.total), (20, 1_000));
                page
            })
        });
    }
    listing.finish();

    for backend in backends {
        if let Some((url, schema)) = backend.cleanup {
            drop(backend.db);
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE"))).await.unwrap();
            });
        }
    }
}

criterion_group!(store_benches, benches);
criterion_main!(store_benches);
