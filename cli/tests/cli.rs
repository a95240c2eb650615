//! The `brightrun` binary as a user runs it: output shapes and exit codes.

use std::process::{Command, Output};

fn brightrun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brightrun")).args(args).output().expect("run brightrun")
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON document on stdout")
}

const MISTRAL: [&str; 6] = ["estimate", "--base-model", "mistralai/Mistral-7B-v0.1", "--gpu", "A6000-48GB", "--tokens"];

#[test]
fn estimate_json_has_the_documented_fields() {
    let mut args = MISTRAL.to_vec();
    args.extend(["5000000", "--json"]);
    let json = stdout_json(&brightrun(&args));
    for key in ["low", "expected", "high"] {
        assert!(json["duration_hours"][key].as_f64().unwrap() > 0.0, "duration_hours.{key}");
    }
    let total = json["cost"]["total"].as_str().expect("cost.total is a decimal string");
    assert!(total.parse::<f64>().unwrap() > 0.0);
    assert_eq!(json["cost"]["currency"], "USD");
    assert!(json["memory"]["required_gb"].as_f64().unwrap() > 0.0);
    assert_eq!(json["memory"]["available_gb"], 48.0);
    assert_eq!(json["memory"]["fits"], true);
    assert!(json["warnings"].is_array());
}

#[test]
fn flags_override_the_preset() {
    let mut args = MISTRAL.to_vec();
    args.extend([
        "5000000",
        "--preset",
        "conservative",
        "--lora-rank",
        "64",
        "--quantization",
        "4bit",
        "--no-gradient-checkpointing",
        "--target-modules",
        "q_proj,v_proj",
        "--json",
    ]);
    let json = stdout_json(&brightrun(&args));
    let hp = &json["hyperparameters"];
    assert_eq!(hp["lora_rank"], 64);
    assert_eq!(hp["learning_rate"], 1e-4, "the rest stays conservative");
    assert_eq!(hp["quantization"], "4bit");
    assert_eq!(hp["gradient_checkpointing"], false);
    assert_eq!(hp["target_modules"], serde_json::json!(["q_proj", "v_proj"]));
}

#[test]
fn human_report_says_whether_it_fits() {
    let args = ["estimate", "--base-model", "meta-llama/Meta-Llama-3-70B", "--gpu", "h100-80gb", "--tokens", "1000000"];
    let output = brightrun(&args);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("DOES NOT FIT"), "{text}");
    assert!(text.contains("to fit: load the base model in 4bit"), "{text}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let cases: [(&[&str], &str); 5] = [
        (&["estimate", "--base-model", "nope/model", "--gpu", "A100-80GB", "--tokens", "1"], "unknown_base_model"),
        (&["estimate", "--base-model", "Qwen/Qwen3-8B", "--gpu", "RTX-4090", "--tokens", "1"], "unknown_gpu"),
        (&["estimate", "--base-model", "Qwen/Qwen3-8B", "--gpu", "A100-80GB", "--tokens", "0"], "no_tokens"),
        (
            &["estimate", "--base-model", "Qwen/Qwen3-8B", "--gpu", "A100-80GB", "--tokens", "1", "--epochs", "0"],
            "invalid_hyperparameters",
        ),
        (
            &["estimate", "--base-model", "Qwen/Qwen3-8B", "--gpu", "A100-80GB", "--tokens", "1", "--gpus", "9"],
            "invalid_gpu_count",
        ),
    ];
    for (args, code) in cases {
        let output = brightrun(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with(&format!("error[{code}]: ")), "{args:?}: {stderr}");
    }
    // clap's own usage errors also exit 2.
    let output = brightrun(&["estimate", "--tokens", "many"]);
    assert_eq!(output.status.code(), Some(2));
    let output = brightrun(&["estimate", "--base-model", "m", "--gpu", "g", "--tokens", "1", "--quantization", "3bit"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("use none, 8bit or 4bit"));
}

#[test]
fn an_unknown_model_is_estimated_from_its_config_json() {
    let dir = std::env::temp_dir().join(format!("brightrun-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        r#"{"hidden_size": 2048, "num_attention_heads": 16, "num_key_value_heads": 8, "num_hidden_layers": 16,
            "intermediate_size": 8192, "vocab_size": 128256, "max_position_embeddings": 131072,
            "tie_word_embeddings": true}"#,
    )
    .unwrap();
    let args = [
        "estimate",
        "--base-model",
        "meta-llama/Llama-3.2-1B",
        "--model-config",
        config.to_str().unwrap(),
        "--gpu",
        "L40S-48GB",
        "--tokens",
        "1000000",
        "--json",
    ];
    let json = stdout_json(&brightrun(&args));
    assert_eq!(json["base_model"], "meta-llama/Llama-3.2-1B");
    assert_eq!(json["memory"]["fits"], true);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn catalogs_list_in_text_and_json() {
    for command in ["presets", "gpus", "base-models", "hyperparameters"] {
        let text = brightrun(&[command]);
        assert!(text.status.success() && !text.stdout.is_empty(), "{command}");
        let json = stdout_json(&brightrun(&[command, "--json"]));
        assert!(json.as_array().is_some_and(|a| a.len() >= 4), "{command}");
    }
    let presets = stdout_json(&brightrun(&["presets", "--json"]));
    let names: Vec<&str> = presets.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["conservative", "balanced", "aggressive", "custom"]);
    let hyperparameters = stdout_json(&brightrun(&["hyperparameters", "--json"]));
    let rank = hyperparameters.as_array().unwrap().iter().find(|spec| spec["name"] == "lora_rank").unwrap();
    assert_eq!(rank["kind"], "integer");
    assert_eq!((rank["range"]["min"].as_f64(), rank["range"]["max"].as_f64()), (Some(1.0), Some(512.0)));
    assert!(String::from_utf8_lossy(&brightrun(&["hyperparameters"]).stdout).contains("1 to 512"));
}
