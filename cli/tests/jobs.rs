//! `brightrun train` and the job commands on the embedded default, with the protocol TEST
//! DOUBLE of the worker (`tests/workers/protocol_test_double.py`): fast and deterministic.
//! The real trainer runs in `trainer.rs`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Home, file_names, interrupt, json_of, sample, sha256_of};

#[test]
fn train_then_list_inspect_download_and_account() {
    let home = Home::test_double("success");
    let args = ["train", &sample("sample_chat.jsonl"), "--yes", "--gpu", "CPU", "--price-per-gpu-hour", "3600"];
    let train = home.json(&args);
    let job = &train["job"];
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(train["dataset"]["status"], "ready");
    assert_eq!(train["validation"]["valid"], true);
    assert!(train["estimate"]["cost"]["total"].is_string());
    assert_eq!((train["interrupted"].as_bool(), train["partial_adapter"].as_bool()), (Some(false), Some(false)));
    let job_id = job["id"].as_str().unwrap();
    let model_id = train["model"]["id"].as_str().expect("a model");
    assert_eq!(job["artifact_id"], model_id);
    assert_eq!(file_names(&train), ["adapter_model.safetensors", "adapter_config.json"]);
    let adapter_dir = Path::new(train["adapter_dir"].as_str().unwrap());
    assert!(adapter_dir.starts_with(home.path().join("storage/models")), "{}", adapter_dir.display());
    for file in train["files"].as_array().unwrap() {
        let path = Path::new(file["location"]["path"].as_str().expect("a local path"));
        assert_eq!((path.parent(), Some(sha256_of(path).as_str())), (Some(adapter_dir), file["sha256"].as_str()));
    }
    let chart = Path::new(train["chart"].as_str().expect("a chart"));
    assert_eq!(chart, adapter_dir.join("loss.svg"));
    assert!(std::fs::read_to_string(chart).unwrap().contains("training loss"));
    assert_eq!(train["loss"]["steps"], 4);

    let jobs = home.json(&["jobs"]);
    assert_eq!((jobs["total"].as_u64(), jobs["items"][0]["id"].as_str()), (Some(1), Some(job_id)));

    let details = home.json(&["job", job_id]);
    assert_eq!(details["job"]["status"], "completed");
    assert_eq!(details["dataset"]["name"], "sample_chat.jsonl");
    let loss = &details["loss"];
    assert_eq!(
        (loss["steps"].as_u64(), loss["first_loss"].as_f64(), loss["last_loss"].as_f64()),
        (Some(4), Some(3.0), Some(0.75))
    );
    assert_eq!((loss["best_loss"].as_f64(), loss["validation_loss"].as_f64()), (Some(0.75), Some(1.1)));
    assert_eq!(details["curve"]["training"].as_array().unwrap().len(), 4);
    assert_eq!(details["model"]["id"], model_id);

    let models = home.json(&["models"]);
    assert_eq!((models["total"].as_u64(), models["items"][0]["id"].as_str()), (Some(1), Some(model_id)));

    let out = tempfile::tempdir().unwrap();
    let download = home.json(&["download", model_id, "--out", out.path().to_str().unwrap()]);
    assert_eq!(file_names(&download), file_names(&train));
    for file in train["files"].as_array().unwrap() {
        let copy = out.path().join(file["name"].as_str().unwrap());
        assert_eq!(Some(sha256_of(&copy).as_str()), file["sha256"].as_str());
    }
    // The job id finds its model too.
    let by_job = home.run(&["download", job_id, "--out", out.path().join("again").to_str().unwrap()]);
    assert_eq!(by_job.status.code(), Some(0), "{}", String::from_utf8_lossy(&by_job.stderr));
    assert!(String::from_utf8_lossy(&by_job.stdout).contains("sha256"));

    let costs = home.json(&["costs"]);
    let compute = costs["month"]["by_type"].as_array().unwrap().iter().find(|t| t[0] == "compute").expect("compute");
    assert!(compute[1].as_str().unwrap().parse::<f64>().unwrap() > 0.0, "{costs}");
    let amount = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
    assert_eq!(amount(&costs["month"]["total"]), amount(&job["final_cost"]));

    let types = home.notification_types();
    for kind in ["dataset_ready", "job_queued", "job_started", "job_complete"] {
        assert!(types.iter().any(|t| t == kind), "{kind} missing from {types:?}");
    }
    let marked = home.json(&["notifications", "--mark-read"]);
    assert_eq!(marked["marked_read"], marked["unread"]);
    assert_eq!(home.json(&["notifications", "--unread"])["total"], 0);

    let cancel = home.run(&["cancel", job_id]);
    assert_eq!(cancel.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&cancel.stderr).contains("error[job_finished]"));
}

#[test]
fn a_job_followed_over_many_passes_is_billed_once_in_cents() {
    // 60 steps of 10 ms: passes report a live cost before the end. The job, whose
    // final cost was its cost records counted twice.
    let home = Home::test_double("plan:success:60");
    let sample = sample("sample_chat.jsonl");
    let args = ["train", &sample, "--yes", "--gpu", "CPU", "--price-per-gpu-hour", "3600", "--epochs", "12"];
    let train = home.json(&args);
    let job = &train["job"];
    assert_eq!(job["status"], "completed", "{job}");
    let in_cents = |amount: &str| amount.split_once('.').is_some_and(|(_, cents)| cents.len() == 2);
    let final_cost = job["final_cost"].as_str().expect("a final cost");
    assert!(in_cents(final_cost) && final_cost != "0.00", "{final_cost}");
    assert_eq!(job["current_cost"].as_str(), Some(final_cost));
    let costs = home.json(&["costs"]);
    assert_eq!(costs["month"]["total"].as_str(), Some(final_cost), "the records sum to the final cost: {costs}");
    let estimate = train["estimate"]["cost"]["total"].as_str().expect("an estimate");
    assert!(in_cents(estimate), "estimates are in cents too: {estimate}");
    let shown = home.run(&["job", job["id"].as_str().unwrap()]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains(&format!("cost ${final_cost} (estimated ${estimate})")), "{text}");
}

#[test]
fn ctrl_c_cancels_the_job_and_exits_130() {
    let home = Home::test_double("slow");
    let mut child = home.spawn(&["train", &sample("sample_chat.jsonl"), "--yes", "--json", "--gpu", "CPU"]);
    home.wait_until_running(&mut child, Duration::from_secs(60));
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    let train = json_of(&output);
    assert_eq!((train["job"]["status"].as_str(), train["interrupted"].as_bool()), (Some("cancelled"), Some(true)));
    assert!(train["job"]["final_cost"].is_string(), "the cost is final: {}", train["job"]);
    assert_eq!(train["partial_adapter"], true);
    assert!(file_names(&train).contains(&"adapter_model.safetensors".to_owned()));
    assert!(train["model"].is_null(), "a partial adapter is not stored as a model");
    assert!(home.notification_types().iter().any(|t| t == "job_cancelled"));
    assert_eq!(home.json(&["job", train["job"]["id"].as_str().unwrap()])["job"]["status"], "cancelled");
}

#[test]
fn train_without_yes_and_without_a_terminal_refuses() {
    let home = Home::test_double("success");
    let output = home.run(&["train", &sample("sample_chat.jsonl")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[confirmation_required]") && stderr.contains("--yes"), "{stderr}");
    assert_eq!(home.json(&["jobs"])["total"], 0, "nothing was started");
}

#[test]
fn an_invalid_dataset_exits_1_with_its_findings() {
    let home = Home::test_double("success");
    let file = home.path().join("one-question.jsonl");
    std::fs::write(&file, "{\"messages\": [{\"role\": \"user\", \"content\": \"only a question\"}]}\n").unwrap();
    let output = home.run(&["train", file.to_str().unwrap(), "--yes", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json_of(&output);
    assert_eq!(
        (report["dataset"]["status"].as_str(), report["validation"]["valid"].as_bool()),
        (Some("error"), Some(false))
    );
    assert_eq!(report["validation"]["counts"]["no_assistant_message"], 1);
    assert!(report["validation"]["findings"].as_array().unwrap().iter().any(|f| f["line"] == 1));

    let text = home.run(&["train", file.to_str().unwrap(), "--yes"]);
    assert_eq!(text.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("INVALID") && stdout.contains("line 1: error[no_assistant_message]"), "{stdout}");
    assert_eq!(home.json(&["jobs"])["total"], 0);
}

#[test]
fn the_worker_stops_on_sigterm() {
    let home = Home::test_double("success");
    let mut child = home.spawn(&["worker", "--poll-interval-ms", "50"]);
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    assert!(line.starts_with("orchestrating"), "{line}");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(home.path().join("brightrun.db").exists());
}

#[test]
fn a_failed_job_exits_1_with_its_error() {
    let home = Home::test_double("fail-3");
    let output = home.run(&["train", &sample("sample_v4.jsonl"), "--yes", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let train = json_of(&output);
    let job = &train["job"];
    assert_eq!((job["status"].as_str(), job["error_type"].as_str()), (Some("failed"), Some("test_failure")));
    assert!(train["model"].is_null() && train["files"].as_array().unwrap().is_empty());
    assert!(Path::new(train["worker_log"].as_str().expect("the worker's log")).is_file());
    assert!(home.notification_types().iter().any(|t| t == "job_failed"));
}

#[test]
fn an_unknown_or_unusable_backend_fails_at_start_with_its_code() {
    for (backend, slurm_jwt, code) in [
        ("slurm+ftp://127.0.0.1:6820", None, "unknown_backend"),
        ("slurm+http://127.0.0.1:9", None, "backend_credentials_missing"),
        ("slurm+http://127.0.0.1:9", Some("token"), "backend_unreachable"),
        ("ray+http://127.0.0.1:9?transfer=shared_filesystem", None, "backend_unreachable"),
        ("ray+http://127.0.0.1:9", None, "storage_cannot_sign"),
        ("runpod://abc123", None, "storage_cannot_sign"),
    ] {
        let home = Home::test_double("success").with_env("BRIGHTRUN_BACKEND", backend);
        let mut command = home.command(&["jobs"]);
        match slurm_jwt {
            Some(token) => command.env("SLURM_JWT", token).env("SLURM_USER", "trainer"),
            None => command.env_remove("SLURM_JWT"),
        };
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{backend}");
        assert!(stderr.starts_with(&format!("error[{code}]: ")), "{backend}: {stderr}");
        assert!(stderr.contains("BRIGHTRUN_BACKEND") || code == "backend_unreachable", "{stderr}");
    }
}
