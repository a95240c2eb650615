//! `brightrun train` with the REAL reference trainer (`trainer/`, PEFT on the CPU smoke
//! model), end to end: a stored adapter that loads and changes the model, and a cancel in
//! the middle of a run. Needs the venv with torch: `BRIGHTRUN_TRAINER_PYTHON` names its
//! python (`scripts/test` sets it); without it each test prints SKIPPED and returns (under
//! CI it fails).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Home, file_names, interrupt, json_of, sample};

/// The trainer's python, or `None` after printing why the test is skipped.
fn trainer_python(test: &str) -> Option<String> {
    match std::env::var("BRIGHTRUN_TRAINER_PYTHON") {
        Ok(python) if !python.trim().is_empty() => Some(python),
        _ => {
            brightrun_core::testing::skip(
                test,
                "set BRIGHTRUN_TRAINER_PYTHON to the python of the venv with the trainer (scripts/python-env)",
            );
            None
        }
    }
}

fn real_home(python: &str) -> Home {
    Home::new(format!("{python} -m brightrun_trainer"))
}

/// Loads the adapter in `dir` onto the smoke base model rebuilt from the adapter's own
/// tokenizer (what the trainer built it from) with the job's max_seq_len and seed, and
/// checks the adapter changes the logits. Arguments: adapter dir, max_seq_len, seed.
const LOAD_ADAPTER: &str = r#"
import json, sys, torch
from pathlib import Path
from peft import PeftModel
from transformers import AutoTokenizer
from brightrun_trainer import smoke

adapter_dir, max_seq_len, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
assert json.loads((adapter_dir / "adapter_config.json").read_text())["base_model_name_or_path"] == "smoke"
tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
base = smoke.build_model(tokenizer, max_seq_len, seed=seed).eval()
text = tokenizer.apply_chat_template([{"role": "user", "content": "I feel overwhelmed at work."}], tokenize=False, add_generation_prompt=True)
inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
with torch.no_grad():
    before = base(**inputs).logits.clone()
    tuned = PeftModel.from_pretrained(base, adapter_dir).eval()
    after = tuned(**inputs).logits
assert not torch.allclose(before, after, atol=1e-4), "the adapter does not change the model"
print("adapter loads and changes the logits by", float((after - before).abs().max()))
"#;

#[test]
fn the_real_trainer_stores_an_adapter_that_loads() {
    let Some(python) = trainer_python("the_real_trainer_stores_an_adapter_that_loads") else { return };
    // As after the README's set-up: no BRIGHTRUN_WORKER; the CLI finds the trainer in the
    // venv `scripts/python-env` made.
    let venv = Path::new(&python).parent().and_then(Path::parent).expect("the trainer's python is in a venv's bin/");
    let home = Home::discovering_trainer(venv);
    let train = home.json(&["train", &sample("sample_v4.jsonl"), "--yes", "--gpu", "CPU"]);
    let job = &train["job"];
    assert_eq!(job["status"], "completed", "{job}");
    let names = file_names(&train);
    for name in ["adapter_model.safetensors", "adapter_config.json", "tokenizer.json"] {
        assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
    }
    assert!(Path::new(train["chart"].as_str().expect("a chart")).is_file());

    let job_id = job["id"].as_str().unwrap();
    let details = home.json(&["job", job_id]);
    let losses: Vec<f64> =
        details["curve"]["training"].as_array().unwrap().iter().map(|p| p[1].as_f64().unwrap()).collect();
    assert_eq!(losses.len() as u64, job["current_step"].as_u64().unwrap(), "a point per step");
    assert!(losses.len() >= 12, "{losses:?}");
    let third = losses.len() / 3;
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let (first, last) = (mean(&losses[..third]), mean(&losses[losses.len() - third..]));
    assert!(last < first, "the loss falls: first third {first}, last third {last}");
    assert!(details["loss"]["validation_loss"].as_f64().is_some());

    let out = tempfile::tempdir().unwrap();
    let model_id = train["model"]["id"].as_str().unwrap();
    home.json(&["download", model_id, "--out", out.path().to_str().unwrap()]);
    let max_seq_len = job["hyperparameters"]["max_seq_len"].as_u64().unwrap().to_string();
    // Every job's worker spec carries this seed, which also builds the smoke model.
    let seed = brightrun_core::orchestrator::TRAINING_SEED.to_string();
    let check = Command::new(&python)
        .args(["-c", LOAD_ADAPTER, out.path().to_str().unwrap(), &max_seq_len, &seed])
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .expect("run the trainer's python");
    assert!(
        check.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn ctrl_c_stops_the_real_trainer_with_a_partial_adapter() {
    let Some(python) = trainer_python("ctrl_c_stops_the_real_trainer_with_a_partial_adapter") else { return };
    let home = real_home(&python);
    let args = [
        "train",
        &sample("sample_v4.jsonl"),
        "--yes",
        "--json",
        "--gpu",
        "CPU",
        "--price-per-gpu-hour",
        "36",
        "--epochs",
        "60",
    ];
    let mut child = home.spawn(&args);
    let running = home.wait_until_running(&mut child, Duration::from_secs(180));
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    let train = json_of(&output);
    let job = &train["job"];
    assert_eq!(job["status"], "cancelled", "{job}");
    let steps = job["current_step"].as_u64().unwrap();
    assert!(steps >= running["current_step"].as_u64().unwrap() && steps < 60 * 6, "stopped early, at step {steps}");
    assert_eq!(train["partial_adapter"], true);
    assert!(file_names(&train).iter().any(|n| n == "adapter_model.safetensors"));
    let adapter = Path::new(train["adapter_dir"].as_str().unwrap()).join("adapter_model.safetensors");
    assert!(adapter.is_file(), "{}", adapter.display());
    let cost: f64 = job["final_cost"].as_str().expect("a final cost").parse().unwrap();
    assert!(cost > 0.0, "a cancelled run is paid for what it used: {cost}");
    assert!(home.notification_types().iter().any(|t| t == "job_cancelled"));
}

#[test]
fn two_gpus_train_data_parallel_with_one_curve_and_more_than_a_slot_holds_are_refused() {
    let test = "two_gpus_train_data_parallel_with_one_curve_and_more_than_a_slot_holds_are_refused";
    let Some(python) = trainer_python(test) else { return };
    // One slot of two devices. The two ranks train on the CPU (gloo) even where GPUs are.
    let home = real_home(&python)
        .with_env("BRIGHTRUN_GPU_SLOTS", "0,1")
        .with_env("BRIGHTRUN_WORKER_ENV", "BRIGHTRUN_TRAINER_DEVICE")
        .with_env("BRIGHTRUN_TRAINER_DEVICE", "cpu");
    let args = |gpus: &'static str| {
        [
            "train",
            &sample("sample_v4.jsonl"),
            "--yes",
            "--gpu",
            "A100-80GB",
            "--gpus",
            gpus,
            "--price-per-gpu-hour",
            "1",
        ]
        .map(String::from)
    };
    let refused = home.run(&args("3").each_ref().map(String::as_str));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("error[not_enough_gpus]"), "{stderr}");
    assert_eq!(home.json(&["jobs"])["total"], 0, "refused before a job was made or billed");

    let train = home.json(&args("2").each_ref().map(String::as_str));
    let job = &train["job"];
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["gpu"]["gpu_count"], 2);
    let names = file_names(&train);
    assert_eq!(names.iter().filter(|n| *n == "adapter_model.safetensors").count(), 1, "one adapter: {names:?}");
    let details = home.json(&["job", job["id"].as_str().unwrap()]);
    let steps: Vec<u64> =
        details["curve"]["training"].as_array().unwrap().iter().map(|p| p[0].as_u64().unwrap()).collect();
    let total = job["total_steps"].as_u64().unwrap();
    assert_eq!(steps, (1..=total).collect::<Vec<_>>(), "one curve: a point per step, as many steps as one GPU takes");
    // The worker trained as two processes (its `started` event, in the run's directory).
    let runs = std::fs::read_dir(home.path().join("runs")).unwrap();
    let events: String =
        runs.filter_map(|entry| std::fs::read_to_string(entry.unwrap().path().join("events.jsonl")).ok()).collect();
    assert!(events.contains(r#""processes":2"#), "{events}");
}
