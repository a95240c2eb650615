//! The operations by name on an embedded BrightRun in a temporary home: every name is
//! dispatched, and bad calls fail with the codes the bindings rely on.

use serde_json::Value;

use super::{OPERATIONS, OperationError, call};
use crate::error_code::ErrorCode;
use crate::service::{BrightRun, BrightRunConfig};

const USER: &str = "00000000-0000-4000-8000-627269676874";

async fn app(home: &tempfile::TempDir) -> BrightRun {
    BrightRun::open(BrightRunConfig::embedded(home.path())).await.expect("an embedded BrightRun opens")
}

fn code(outcome: Result<String, OperationError>) -> &'static str {
    outcome.expect_err("the call fails").code()
}

#[tokio::test]
async fn every_operation_is_dispatched() {
    let home = tempfile::tempdir().unwrap();
    let app = app(&home).await;
    for method in OPERATIONS {
        if let Err(error) = call(&app, method, USER, "{}").await {
            assert_ne!(error.code(), "unknown_operation", "{method}");
        }
    }
}

#[tokio::test]
async fn bad_calls_have_codes() {
    let home = tempfile::tempdir().unwrap();
    let app = app(&home).await;
    assert_eq!(code(call(&app, "jobs.frobnicate", USER, "{}").await), "unknown_operation");
    assert_eq!(code(call(&app, "jobs.list", "alice", "{}").await), "invalid_user_id");
    assert_eq!(code(call(&app, "jobs.list", USER, "not json").await), "invalid_arguments");
    let misspelt = call(&app, "jobs.list", USER, r#"{"limt": 3}"#).await.expect_err("an unknown argument");
    assert_eq!(misspelt.code(), "invalid_arguments");
    assert!(misspelt.to_string().contains("limt"), "{misspelt}");
    assert_eq!(code(call(&app, "datasets.retrieve", USER, r#"{"id": "nope"}"#).await), "not_found");
    assert_eq!(code(call(&app, "datasets.retrieve", USER, "{}").await), "invalid_arguments");
    let extra = r#"{"id": "00000000-0000-4000-8000-000000000001", "name": "x"}"#;
    assert_eq!(code(call(&app, "datasets.retrieve", USER, extra).await), "invalid_arguments");
    assert_eq!(code(call(&app, "costs.summary", USER, r#"{"month": 3}"#).await), "invalid_arguments");
    let bad_rank = r#"{"dataset_id": "00000000-0000-4000-8000-000000000001", "base_model": "smoke", "gpu": "CPU", "lora_rank": 0}"#;
    assert_eq!(code(call(&app, "jobs.estimate", USER, bad_rank).await), "invalid_hyperparameters");
}

#[tokio::test]
async fn a_dataset_without_a_size_declares_the_cap_until_its_upload() {
    let home = tempfile::tempdir().unwrap();
    let app = app(&home).await;
    let args = r#"{"name": "streamed", "format": "chat", "file_name": "chat.jsonl"}"#;
    let created: Value =
        serde_json::from_str(&call(&app, "datasets.create", USER, args).await.expect("created")).unwrap();
    assert_eq!(created["dataset"]["status"], "uploading");
    assert_eq!(created["dataset"]["file_size"], app.blobs().limits().dataset_bytes);
    let page: Value =
        serde_json::from_str(&call(&app, "datasets.list", USER, r#"{"limit": 5}"#).await.expect("listed")).unwrap();
    assert_eq!(page["items"][0]["id"], created["dataset"]["id"]);
}

#[tokio::test]
async fn a_stored_file_waits_for_its_confirmation() {
    use bytes::Bytes;
    use futures_util::stream;

    let home = tempfile::tempdir().unwrap();
    let app = app(&home).await;
    let file = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n";
    let args =
        format!(r#"{{"name": "in steps", "format": "chat", "file_name": "chat.jsonl", "size": {}}}"#, file.len());
    let created: Value =
        serde_json::from_str(&call(&app, "datasets.create", USER, &args).await.expect("created")).unwrap();
    let id_text = created["dataset"]["id"].as_str().unwrap().to_owned();
    let id = super::dataset_id(&id_text).unwrap();
    let user = super::user_id(USER).unwrap();
    let chunks = |text: String| stream::iter([Ok::<_, std::io::Error>(Bytes::from(text))]);
    let confirm = format!(r#"{{"id": "{id_text}"}}"#);

    let over = app.store_dataset_file(user, id, chunks(format!("{file}\n"))).await.expect_err("over its declared size");
    assert_eq!(over.code(), "too_large");
    assert_eq!(code(call(&app, "datasets.confirm", USER, &confirm).await), "upload_missing", "nothing was kept");

    let stored = app.store_dataset_file(user, id, chunks(file.to_owned())).await.expect("stored");
    assert_eq!(stored.status, crate::model::DatasetStatus::Uploading, "not confirmed yet");
    let other = "00000000-0000-4000-8000-000000000002";
    assert_eq!(code(call(&app, "datasets.confirm", other, &confirm).await), "not_found");
    let confirmed: Value =
        serde_json::from_str(&call(&app, "datasets.confirm", USER, &confirm).await.expect("confirmed")).unwrap();
    assert_eq!(confirmed["status"], "validating");
    assert_eq!(confirmed["file_size"], file.len());
    assert_eq!(code(call(&app, "datasets.confirm", USER, &confirm).await), "dataset_not_uploading");
}
