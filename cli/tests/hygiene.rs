//! Process hygiene of the embedded default, as a user meets it: finding the trainer before
//! a job is queued, what reaches the worker's environment, private files whatever the
//! umask, and the retention sweep.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use common::{Home, json_of, repo, sample};

/// Writes an executable shell script.
fn script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn train_without_a_trainer_says_how_to_install_it_and_queues_nothing() {
    let tools = tempfile::tempdir().unwrap();
    let home = Home::discovering_trainer(&tools.path().join("no-venv"));
    // A python3 on PATH without the trainer, as on a machine where the set-up was not run.
    script(
        &tools.path().join("bin/python3"),
        "echo \"ModuleNotFoundError: No module named 'brightrun_trainer'\" >&2; exit 1\n",
    );
    let path = format!("{}:/usr/bin:/bin", tools.path().join("bin").display());
    let output = home.command(&["train", &sample("sample_chat.jsonl"), "--yes"]).env("PATH", &path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error[trainer_not_found]: "), "{stderr}");
    for words in ["No module named 'brightrun_trainer'", "no-venv", "scripts/python-env", "pip install ./trainer"] {
        assert!(stderr.contains(words), "{words:?} missing from: {stderr}");
    }
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0, "nothing was created, nothing queued");
    let jobs = home.json(&["jobs"]);
    assert_eq!(jobs["total"], 0);

    // A BRIGHTRUN_WORKER that names a python without the trainer is refused the same way.
    let output = home
        .command(&["train", &sample("sample_chat.jsonl"), "--yes"])
        .env("BRIGHTRUN_WORKER", format!("{} -m brightrun_trainer", tools.path().join("bin/python3").display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error[trainer_not_found]: BRIGHTRUN_WORKER="), "{stderr}");
    assert_eq!(home.json(&["jobs"])["total"], 0);
}

#[test]
fn train_finds_the_trainer_of_the_active_virtualenv() {
    let venv = tempfile::tempdir().unwrap();
    let home = Home::discovering_trainer(&venv.path().join("no-venv"));
    // A virtualenv whose python "has" the trainer: it passes the check and runs the test
    // double in the trainer's place.
    let double = repo().join("tests/workers/protocol_test_double.py");
    script(
        &venv.path().join("bin/python"),
        &format!("[ \"$1\" = -c ] && exit 0\nshift 2\nexec python3 {} --scenario success \"$@\"\n", double.display()),
    );
    let output = home
        .command(&["train", &sample("sample_chat.jsonl"), "--yes", "--json"])
        .env("VIRTUAL_ENV", venv.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)["job"]["status"], "completed");
}

#[test]
fn secrets_of_the_launching_process_do_not_reach_the_worker() {
    let home = Home::test_double("environment");
    let secrets = [
        ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
        ("AWS_ACCESS_KEY_ID", "aws-id"),
        ("DATABASE_URL", "postgres://user:secret@db/app"),
        ("GITHUB_TOKEN", "ghp-secret"),
        ("WANDB_API_KEY", "wandb-secret"),
    ];
    let mut command = home.command(&["train", &sample("sample_chat.jsonl"), "--yes", "--json"]);
    command
        .envs(secrets)
        // The database this home uses anyway: a secret in production, harmless here.
        .env("BRIGHTRUN_DATABASE_URL", format!("sqlite://{}", home.path().join("brightrun.db").display()))
        .env("HF_HOME", "/tmp/hf-cache")
        .env("BRIGHTRUN_WORKER_ENV", "WANDB_PROJECT")
        .env("WANDB_PROJECT", "lora");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let job_id = json_of(&output)["job"]["id"].as_str().unwrap().to_owned();
    let seen: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.path().join(format!("runs/{job_id}-0/environment.json"))).unwrap(),
    )
    .unwrap();
    for (name, _) in secrets {
        assert!(seen.get(name).is_none(), "{name} reached the worker");
    }
    assert!(seen.get("BRIGHTRUN_DATABASE_URL").is_none() && seen.get("BRIGHTRUN_HOME").is_none());
    assert_eq!((seen["HF_HOME"].as_str(), seen["WANDB_PROJECT"].as_str()), (Some("/tmp/hf-cache"), Some("lora")));
    assert!(seen["PATH"].is_string());
}

#[test]
fn a_new_home_is_private_whatever_the_umask() {
    let home = Home::test_double("success");
    let fresh = home.path().join("new-home");
    let mut command = Command::new("sh");
    command.args(["-c", "umask 000; exec \"$@\"", "sh", env!("CARGO_BIN_EXE_brightrun")]).args([
        "train",
        &sample("sample_chat.jsonl"),
        "--yes",
        "--json",
    ]);
    let inner = home.command(&[]);
    command.envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?)))).env("BRIGHTRUN_HOME", &fresh);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let job_id = json_of(&output)["job"]["id"].as_str().unwrap().to_owned();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    for dir in ["", "storage", "scratch", "runs", &format!("runs/{job_id}-0")] {
        assert_eq!(mode(&fresh.join(dir)), 0o700, "{dir:?}");
    }
    for file in ["brightrun.db", &format!("runs/{job_id}-0/events.jsonl"), &format!("runs/{job_id}-0/spec.json")] {
        assert_eq!(mode(&fresh.join(file)), 0o600, "{file}");
    }
    for journal in ["brightrun.db-wal", "brightrun.db-shm", "brightrun.db-journal"] {
        if fresh.join(journal).exists() {
            assert_eq!(mode(&fresh.join(journal)), 0o600, "{journal}");
        }
    }
}

#[test]
fn train_sweeps_expired_scratch_space_and_refuses_a_bad_retention() {
    let home = Home::test_double("success");
    let leftover = home.path().join("scratch/dataset-left-by-a-crash");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("input"), "data").unwrap();
    let output = home
        .command(&["train", &sample("sample_chat.jsonl"), "--yes", "--json"])
        .env("BRIGHTRUN_KEEP_SCRATCH", "0s")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!leftover.exists(), "the expired scratch entry was swept");

    let output = home
        .command(&["train", &sample("sample_chat.jsonl"), "--yes"])
        .env("BRIGHTRUN_KEEP_RUNS", "a week")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error[invalid_retention]: BRIGHTRUN_KEEP_RUNS"), "{stderr}");
}
