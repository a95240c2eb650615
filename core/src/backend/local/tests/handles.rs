//! A handle is bound to its job: a forged one is refused by every operation.

use super::*;

/// Every operation that takes a handle, with the error code it answered.
async fn codes(backend: &LocalProcessBackend, handle: &BackendHandle) -> Vec<Result<(), &'static str>> {
    use crate::error_code::ErrorCode as _;
    let code = |e: BackendError| e.code();
    vec![
        backend.status(handle).await.map(drop).map_err(code),
        backend.worker_times(handle).await.map(drop).map_err(code),
        backend.events(handle, EventCursor::default()).await.map(drop).map_err(code),
        backend.collect(handle).await.map(drop).map_err(code),
        backend.cancel(handle).await.map(drop).map_err(code),
    ]
}

fn refused_everywhere(results: &[Result<(), &'static str>]) -> bool {
    results.iter().all(|r| *r == Err("invalid_backend_handle"))
}

#[tokio::test]
async fn a_handle_naming_another_jobs_run_is_refused_by_every_operation() {
    let runs = tempfile::tempdir().unwrap();
    let script = r#"
mkdir -p "$dir/out/adapter" && printf 'weights' > "$dir/out/adapter/a.safetensors"
emit 1 artifact ',"name":"a.safetensors","bytes":7,"sha256":"abc"'
emit 2 completed ',"steps":1'
"#;
    let backend = backend(runs.path(), script, &["all"]);
    let victim = spec();
    let victims = backend.submit(&victim).await.unwrap();
    assert_eq!(wait_for(&backend, &victims, BackendStatus::is_terminal).await, BackendStatus::Succeeded);
    let run = victims.external_id.clone();
    let work_dir = backend.work_dir_of(&victim.job_id, 0);
    let signature = victims.data["signature"].clone();

    // What a user who can write their own job's row could put there.
    let mut forgeries = vec![
        // The old shape: only the directory.
        BackendHandle {
            backend: "local".into(),
            external_id: run.clone(),
            data: serde_json::json!({ "work_dir": work_dir }),
        },
        // The victim's job and attempt, without the signature or with a made-up one.
        BackendHandle {
            data: serde_json::json!({ "work_dir": work_dir, "job_id": victim.job_id, "attempt": 0, "signature": "00" }),
            ..victims.clone()
        },
        // The attacker's own signed handle, pointed at the victim's directory.
        {
            let own = backend.submit(&spec()).await.unwrap();
            let mut data = own.data.clone();
            data["work_dir"] = serde_json::json!(work_dir);
            BackendHandle { external_id: run.clone(), data, ..own }
        },
        // The victim's signature on another attempt of the job.
        BackendHandle {
            external_id: format!("{}-1", victim.job_id),
            data: serde_json::json!({
                "work_dir": backend.work_dir_of(&victim.job_id, 1), "job_id": victim.job_id, "attempt": 1, "signature": signature,
            }),
            ..victims.clone()
        },
        // Outside the runs directory.
        BackendHandle {
            external_id: "../../etc".into(),
            data: serde_json::json!({ "work_dir": "/etc", "job_id": victim.job_id, "attempt": 0, "signature": signature }),
            ..victims.clone()
        },
    ];
    forgeries.push(BackendHandle { backend: "runpod".into(), ..victims.clone() });
    for forged in &forgeries {
        let results = codes(&backend, forged).await;
        assert!(refused_everywhere(&results), "{forged:?} was accepted: {results:?}");
    }
    assert!(!work_dir.join(CANCEL_FILE).exists(), "no forged cancel reached the run");
    // The genuine handle still works, from a backend that read the key from disk.
    let restarted = LocalProcessBackend::new(backend.config.clone()).unwrap();
    assert_eq!(restarted.status(&victims).await.unwrap(), BackendStatus::Succeeded);
    assert_eq!(restarted.collect(&victims).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_run_directory_replaced_by_a_symlink_is_refused() {
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "emit 1 completed ''", &["all"]);
    let spec = spec();
    let handle = backend.submit(&spec).await.unwrap();
    wait_for(&backend, &handle, BackendStatus::is_terminal).await;
    let work_dir = backend.work_dir_of(&spec.job_id, 0);
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(&work_dir, elsewhere.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("moved"), &work_dir).unwrap();
    assert!(refused_everywhere(&codes(&backend, &handle).await));
}

#[tokio::test]
async fn an_artifact_that_is_a_symlink_is_not_collected() {
    let runs = tempfile::tempdir().unwrap();
    let script = r#"
mkdir -p "$dir/out/adapter" && ln -s /etc/passwd "$dir/out/adapter/a.safetensors"
emit 1 artifact ',"name":"a.safetensors","bytes":7,"sha256":"abc"'
emit 2 completed ',"steps":1'
"#;
    let backend = backend(runs.path(), script, &["all"]);
    let handle = backend.submit(&spec()).await.unwrap();
    wait_for(&backend, &handle, BackendStatus::is_terminal).await;
    assert!(matches!(backend.collect(&handle).await, Err(BackendError::NotCollectable { .. })));
}

#[tokio::test]
async fn foreign_configuration_is_refused() {
    let runs = tempfile::tempdir().unwrap();
    let backend = backend(runs.path(), "exit 0", &["all"]);
    let no_key_yet = BackendHandle { backend: "local".into(), external_id: "x".into(), data: serde_json::json!({}) };
    assert!(matches!(backend.status(&no_key_yet).await, Err(BackendError::InvalidHandle { .. })));
    assert!(
        LocalProcessBackend::new(LocalBackendConfig {
            gpu_slots: vec!["0; rm -rf /".into()],
            ..backend.config.clone()
        })
        .is_err()
    );
    assert!(
        LocalProcessBackend::new(LocalBackendConfig { worker_env: vec!["A=B".into()], ..backend.config.clone() })
            .is_err()
    );
}
