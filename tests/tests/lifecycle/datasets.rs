//! Validating datasets when things go wrong, and training on what was validated.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use brightrun_core::blob::{BlobKey, UploadLimits};
use brightrun_core::dataset::Message;
use brightrun_core::dataset::tokenizer::{TokenCount, TokenCounter, TokenizerError};
use brightrun_core::model::{Dataset, DatasetStatus, JobStatus};
use brightrun_core::orchestrator::{Orchestrator, OrchestratorOptions, pinned_dataset_key};
use brightrun_core::store::Database;
use chrono::TimeDelta;

use crate::world::{Harnessed, Setup, chat_dataset, fast_options, world_with};

crate::on_both_backends!(
    a_passing_storage_failure_during_validation_is_tried_again,
    a_validator_that_crashes_every_time_ends_in_error_and_stays_there,
    a_validation_whose_orchestrator_dies_every_time_ends_in_error,
    training_reads_the_validated_bytes_not_a_replaced_upload,
    a_changed_validated_copy_fails_the_launch,
    an_object_over_the_dataset_limit_is_refused_on_download,
);

const MAX_TRIES: u32 = 3;

fn options() -> OrchestratorOptions {
    OrchestratorOptions {
        max_tries: MAX_TRIES,
        retry_backoff: TimeDelta::milliseconds(10),
        lease: TimeDelta::seconds(1),
        ..fast_options()
    }
}

fn world(db: Arc<dyn Database>) -> Harnessed {
    world_with(db, Setup { options: options(), ..Setup::new("success") })
}

fn notification_kinds(notifications: &[brightrun_core::model::Notification]) -> Vec<String> {
    notifications.iter().map(|n| n.notification_type.to_string()).collect()
}

/// A validator whose token counting crashes, every time.
struct Crashes(AtomicU32);

impl TokenCounter for Crashes {
    fn name(&self) -> &str {
        "crashes"
    }

    fn is_exact(&self) -> bool {
        false
    }

    fn count(&self, _: &[Message]) -> Result<TokenCount, TokenizerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("the token counter crashed");
    }
}

/// Checks the ending of a validation that ran out of tries: `error`, each try's finding of
/// `code`, then `validation_failed`; one notification.
async fn check_gave_up(w: &Harnessed, dataset: &Dataset, code: &str) {
    assert_eq!(dataset.status, DatasetStatus::Error);
    assert!(!dataset.training_ready);
    let codes: Vec<&str> = dataset.validation_errors.iter().map(|f| f.code.as_str()).collect();
    let mut expected = vec![code; MAX_TRIES as usize];
    expected.push("validation_failed");
    assert_eq!(codes, expected, "{:?}", dataset.validation_errors);
    let last = dataset.validation_errors.last().unwrap();
    assert!(last.message.contains(&format!("in {MAX_TRIES} tries")), "{}", last.message);
    assert_eq!(notification_kinds(&w.notifications().await), ["dataset_error"]);
}

async fn a_passing_storage_failure_during_validation_is_tried_again(db: Arc<dyn Database>) {
    let w = world(db);
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    let uploaded = w.store.reads_of("chats.jsonl");
    w.store.fail_reads("chats.jsonl", MAX_TRIES - 1);
    let dataset = w.validate_with(&w.orchestrator, dataset.id).await;
    assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
    assert_eq!(w.store.reads_of("chats.jsonl") - uploaded, MAX_TRIES as usize);
    assert_eq!(dataset.total_training_pairs + dataset.total_validation_pairs, 12);
    assert_eq!(notification_kinds(&w.notifications().await), ["dataset_ready"]);
}

async fn a_validator_that_crashes_every_time_ends_in_error_and_stays_there(db: Arc<dyn Database>) {
    let counter = Arc::new(Crashes(AtomicU32::new(0)));
    let w = world_with(db, Setup { options: options(), token_counter: Some(counter.clone()), ..Setup::new("success") });
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    let dataset = w.validate_with(&w.orchestrator, dataset.id).await;
    check_gave_up(&w, &dataset, "validator_crashed").await;
    assert!(dataset.validation_errors[0].message.contains("the token counter crashed"));
    // One read by the upload's own check, then one per try.
    assert_eq!(w.store.reads_of("chats.jsonl"), 1 + MAX_TRIES as usize);
    // Never claimed again.
    let (reads, counts) = (w.store.reads_of("chats.jsonl"), counter.0.load(Ordering::SeqCst));
    for _ in 0..5 {
        let report = Orchestrator::new(w.app.clone(), options()).run_once().await.unwrap();
        assert_eq!(report.datasets_validated, 0);
    }
    assert_eq!((w.store.reads_of("chats.jsonl"), counter.0.load(Ordering::SeqCst)), (reads, counts));
    assert_eq!(w.app.get_dataset(w.user, dataset.id).await.unwrap(), dataset);
}

async fn a_validation_whose_orchestrator_dies_every_time_ends_in_error(db: Arc<dyn Database>) {
    let w = world(db);
    let dataset = w.uploaded_dataset(&chat_dataset(12)).await;
    let mut deaths = 0;
    for _ in 0..1500 {
        let dying = Orchestrator::new(w.app.clone(), options());
        dying.failpoints().arm("validate.run", 1);
        while !dying.failpoints().is_dead() {
            let _ = dying.run_once().await;
            if w.app.get_dataset(w.user, dataset.id).await.unwrap().status != DatasetStatus::Validating {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        deaths += u32::from(dying.failpoints().is_dead());
        if w.app.get_dataset(w.user, dataset.id).await.unwrap().status != DatasetStatus::Validating {
            break;
        }
    }
    assert_eq!(deaths, MAX_TRIES, "each try died once, then the next orchestrator gave up");
    let dataset = w.app.get_dataset(w.user, dataset.id).await.unwrap();
    check_gave_up(&w, &dataset, "validation_interrupted").await;
}

/// The world's dataset of `n` conversations, validated.
async fn ready(w: &Harnessed, n: usize) -> Dataset {
    let dataset = w.uploaded_dataset(&chat_dataset(n)).await;
    let dataset = w.validate_with(&w.orchestrator, dataset.id).await;
    assert_eq!(dataset.status, DatasetStatus::Ready, "{:?}", dataset.validation_errors);
    dataset
}

/// Writes `bytes` as the object `key` behind the store's back (as a client with a signed
/// URL, or anyone with access to the bucket, can).
fn overwrite(w: &Harnessed, key: &BlobKey, bytes: &str) {
    let path = w.home.join("storage").join(key.as_str());
    assert!(path.exists(), "{}", path.display());
    std::fs::write(path, bytes).unwrap();
}

async fn training_reads_the_validated_bytes_not_a_replaced_upload(db: Arc<dyn Database>) {
    let w = world(db);
    let dataset = ready(&w, 12).await;
    // The upload URL is still valid: its holder replaces the file after its validation.
    let upload = BlobKey::dataset(w.user, dataset.id, &dataset.file_name).unwrap();
    overwrite(&w, &upload, &chat_dataset(3));
    let job = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    let job = w.run_to_end(job.id).await;
    assert_eq!(job.status, JobStatus::Completed, "{:?}", job.error_message);
    let given: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.attempt_dir(job.id, 0).join("dataset.json")).unwrap()).unwrap();
    let conversations = |split: &str| given[split]["conversations"].as_u64().unwrap_or(0);
    assert_eq!(conversations("train") + conversations("validation"), 12, "trained on the validated file: {given}");
    assert_eq!(
        w.store.reads_of("chats.jsonl"),
        2,
        "the upload was read by its own check and its validation, never since"
    );
}

async fn a_changed_validated_copy_fails_the_launch(db: Arc<dyn Database>) {
    let w = world(db);
    let dataset = ready(&w, 12).await;
    let (pinned, _) = pinned_dataset_key(&dataset).unwrap();
    let mut tampered = chat_dataset(12);
    tampered = tampered.replace("calmly", "wildly");
    overwrite(&w, &pinned, &tampered);
    let job = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("dataset_changed")));
    assert!(w.worker_starts().is_empty(), "never trained on changed bytes");
}

async fn an_object_over_the_dataset_limit_is_refused_on_download(db: Arc<dyn Database>) {
    let body = chat_dataset(12);
    let limits = UploadLimits { dataset_bytes: body.len() as u64 + 16, ..UploadLimits::default() };
    let w = world_with(db, Setup { options: options(), limits: Some(limits), ..Setup::new("success") });
    let big = chat_dataset(40);

    // Validation: the upload grew past the limit after it was accepted.
    let grown = w.uploaded_dataset(&body).await;
    overwrite(&w, &BlobKey::dataset(w.user, grown.id, &grown.file_name).unwrap(), &big);
    let grown = w.validate_with(&w.orchestrator, grown.id).await;
    assert_eq!(grown.status, DatasetStatus::Error);
    let codes: Vec<&str> = grown.validation_errors.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["dataset_too_large"], "refused at once: {:?}", grown.validation_errors);

    // Launch: the validated copy grew past the limit.
    let dataset = ready(&w, 12).await;
    overwrite(&w, &pinned_dataset_key(&dataset).unwrap().0, &big);
    let job = w.app.create_job(w.user, &w.job_request(&dataset)).await.unwrap();
    let job = w.run_to_end(job.id).await;
    assert_eq!((job.status, job.error_type.as_deref()), (JobStatus::Failed, Some("dataset_too_large")));
    assert!(w.worker_starts().is_empty());
}
