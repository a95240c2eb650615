//! `brightrun presets`, `brightrun gpus`, `brightrun base-models`, `brightrun hyperparameters`.

use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, HYPERPARAMETERS, Preset};
use clap::Args;

use crate::error::CliError;
use crate::output::{print_json, table};

/// Flags of the listing commands.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print one JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lists the presets with their main values.
pub fn presets(args: &ListArgs) -> Result<(), CliError> {
    if args.json {
        return print_json(&Preset::summaries());
    }
    let rows: Vec<Vec<String>> = Preset::ALL
        .iter()
        .map(|p| {
            let h = p.hyperparameters("");
            vec![
                p.to_string(),
                format!("{:e}", h.learning_rate),
                h.batch_size.to_string(),
                h.epochs.to_string(),
                h.lora_rank.to_string(),
                h.lora_alpha.to_string(),
                h.lora_dropout.to_string(),
                h.warmup_steps.to_string(),
                p.description().to_owned(),
            ]
        })
        .collect();
    print!("{}", table(&["PRESET", "LR", "BATCH", "EPOCHS", "RANK", "ALPHA", "DROPOUT", "WARMUP", "USE"], &rows));
    Ok(())
}

/// Lists the GPU catalog.
pub fn gpus(args: &ListArgs) -> Result<(), CliError> {
    if args.json {
        return print_json(GPU_CATALOG);
    }
    let rows: Vec<Vec<String>> = GPU_CATALOG
        .iter()
        .map(|g| {
            vec![
                g.name.to_owned(),
                format!("{} GiB", g.memory_gb),
                format!("{}", g.bf16_tflops),
                format!("{} GB/s", g.memory_bandwidth_gbps),
                format!("${}", g.default_price_per_hour),
            ]
        })
        .collect();
    print!("{}", table(&["GPU", "MEMORY", "BF16 TFLOP/S", "BANDWIDTH", "PRICE/GPU-HOUR"], &rows));
    println!("Prices are indicative defaults; pass --price-per-gpu-hour to estimate with your own.");
    Ok(())
}

/// Lists the base-model catalog.
pub fn base_models(args: &ListArgs) -> Result<(), CliError> {
    if args.json {
        return print_json(BASE_MODEL_CATALOG);
    }
    let rows: Vec<Vec<String>> = BASE_MODEL_CATALOG
        .iter()
        .map(|m| {
            let a = &m.architecture;
            vec![
                m.id.to_owned(),
                format!("{:.2}B", a.parameters as f64 / 1e9),
                a.layers.to_string(),
                a.hidden_size.to_string(),
                format!("{}/{}", a.attention_heads, a.kv_heads),
                a.vocab_size.to_string(),
                a.context_length.to_string(),
            ]
        })
        .collect();
    print!("{}", table(&["MODEL", "PARAMS", "LAYERS", "HIDDEN", "HEADS/KV", "VOCAB", "CONTEXT"], &rows));
    Ok(())
}

/// Lists the hyperparameters a job may set, with their allowed values.
pub fn hyperparameters(args: &ListArgs) -> Result<(), CliError> {
    if args.json {
        return print_json(&HYPERPARAMETERS);
    }
    let rows: Vec<Vec<String>> = HYPERPARAMETERS
        .iter()
        .map(|spec| {
            vec![
                spec.name.to_owned(),
                spec.kind.as_str().to_owned(),
                spec.allowed().unwrap_or_default(),
                spec.doc.to_owned(),
            ]
        })
        .collect();
    print!("{}", table(&["HYPERPARAMETER", "KIND", "ALLOWED", "WHAT IT IS"], &rows));
    Ok(())
}
