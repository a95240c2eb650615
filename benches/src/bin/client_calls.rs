//! `client-calls HOME [ROWS] [CALLS]`: the per-call time, in Rust, of the two calls the
//! bindings' client overhead is judged by: `get_job` (`jobs.retrieve`) and `list_datasets`
//! (`datasets.list`: the first page of 20, newest first, over ROWS datasets, default
//! 10,000), for the local user of the embedded default in HOME. Seeds HOME first when it
//! holds fewer datasets (rows awaiting their file, and one queued job). Prints the job id
//! and, for each call, the median and 90th percentile of CALLS calls (default 2,000) in µs.
//! `benches/bindings/client_overhead.sh` times the same calls from Python and Node on the
//! same home.

use std::path::PathBuf;
use std::time::Instant;

use brightrun_core::config::{GpuSelection, Preset};
use brightrun_core::model::{DatasetFormat, Timestamp, TrainingJob};
use brightrun_core::service::{BrightRun, BrightRunConfig, LOCAL_USER, NewDataset, operations};
use brightrun_core::store::{DatasetQuery, JobQuery};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let home = PathBuf::from(args.next().ok_or("usage: client-calls HOME [ROWS] [CALLS]")?);
    let rows: u64 = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let calls: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;
    let app = BrightRun::open(BrightRunConfig::embedded(&home)).await?;
    let job_id = seed(&app, rows).await?;
    println!("job {job_id}");

    let retrieve = time(calls, || async { app.get_job(LOCAL_USER, job_id).await.map(drop) }).await?;
    println!("rust jobs.retrieve median {:.1} us p90 {:.1} us", retrieve.0, retrieve.1);
    let query = DatasetQuery::default();
    let list = time(calls, || async { app.list_datasets(LOCAL_USER, &query).await.map(drop) }).await?;
    println!("rust datasets.list median {:.1} us p90 {:.1} us", list.0, list.1);
    // The same calls as the bindings make them: by name, arguments and result as JSON text.
    let user = LOCAL_USER.to_string();
    let by_name = |method: &'static str, args: String| {
        let (app, user) = (&app, &user);
        move || {
            let args = args.clone();
            async move { operations::call(app, method, user, &args).await.map(drop).map_err(|e| e.to_string()) }
        }
    };
    let retrieve = time(calls, by_name("jobs.retrieve", format!(r#"{{"id": "{job_id}"}}"#))).await?;
    println!("json jobs.retrieve median {:.1} us p90 {:.1} us", retrieve.0, retrieve.1);
    let list = time(calls, by_name("datasets.list", "{}".into())).await?;
    println!("json datasets.list median {:.1} us p90 {:.1} us", list.0, list.1);
    Ok(())
}

/// Makes sure HOME holds `rows` datasets and a job; returns the job's id.
async fn seed(app: &BrightRun, rows: u64) -> Result<brightrun_core::model::JobId, Box<dyn std::error::Error>> {
    let existing = app.list_datasets(LOCAL_USER, &DatasetQuery::default()).await?.total;
    for i in existing..rows {
        let new = NewDataset {
            name: format!("bench-{i}"),
            description: Some("a row for the client overhead benchmark".into()),
            format: DatasetFormat::Chat,
            file_name: format!("bench-{i}.jsonl"),
            declared_size: 1_000 + i,
        };
        app.create_dataset(LOCAL_USER, new).await?;
    }
    if let Some(job) = app.list_jobs(LOCAL_USER, &JobQuery::default()).await?.items.first() {
        return Ok(job.id);
    }
    let dataset = app.list_datasets(LOCAL_USER, &DatasetQuery::default()).await?.items[0].clone();
    let job = TrainingJob::new_queued(
        LOCAL_USER,
        dataset.id,
        Preset::Balanced,
        Preset::Balanced.hyperparameters("smoke"),
        GpuSelection::new("CPU", 1, None)?,
        24,
        Timestamp::now(),
    );
    app.database().insert_job(&job).await?;
    Ok(job.id)
}

/// The median and 90th percentile, in µs, of `calls` calls of `call` (after 100 to warm up).
async fn time<F, Fut, E>(calls: usize, call: F) -> Result<(f64, f64), Box<dyn std::error::Error>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: Into<Box<dyn std::error::Error>>,
{
    for _ in 0..100 {
        call().await.map_err(Into::into)?;
    }
    let mut micros = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        call().await.map_err(Into::into)?;
        micros.push(start.elapsed().as_secs_f64() * 1e6);
    }
    micros.sort_by(f64::total_cmp);
    Ok((micros[calls / 2], micros[calls * 9 / 10]))
}
