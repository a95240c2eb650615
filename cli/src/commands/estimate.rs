//! `brightrun estimate`: duration, cost and memory of a job before it runs.

use std::path::PathBuf;

use brightrun_core::config::{HYPERPARAMETERS, HyperparameterOverrides, Preset, ValueKind};
use brightrun_core::estimate::{Estimate, EstimateOptions};
use brightrun_core::model::Money;
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};

use crate::error::CliError;
use crate::output::print_json;

/// Flags of `brightrun estimate`. Hyperparameter flags override the preset.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Base model by Hugging Face id (see `brightrun base-models`).
    #[arg(long)]
    base_model: String,
    /// The model's `config.json`, for a base model outside the catalog.
    #[arg(long, value_name = "PATH")]
    model_config: Option<PathBuf>,
    /// GPU type (see `brightrun gpus`).
    #[arg(long)]
    gpu: String,
    /// Number of GPUs, 1 to 8.
    #[arg(long, default_value_t = 1)]
    gpus: u32,
    /// Your price per GPU-hour in USD, instead of the catalog default.
    #[arg(long, value_name = "USD")]
    price_per_gpu_hour: Option<Money>,
    /// Preset to start from.
    #[arg(long, default_value = "balanced")]
    preset: Preset,
    /// Tokens in one epoch of the training split.
    #[arg(long)]
    tokens: u64,
    /// Training examples, for step-count advice and the average example length.
    #[arg(long)]
    examples: Option<u64>,
    /// Size of the dataset file in bytes, for the storage cost.
    #[arg(long, default_value_t = 0)]
    dataset_bytes: u64,
    /// Tokens per second of one GPU measured on earlier jobs; overrides the FLOPs model.
    #[arg(long)]
    measured_tokens_per_second: Option<f64>,
    #[command(flatten)]
    overrides: HyperparameterFlags,
    /// Print one JSON object instead of a report.
    #[arg(long)]
    json: bool,
}

/// One flag a hyperparameter of the core's table ([`HYPERPARAMETERS`]), named after its field
/// (`--lora-rank`), its help the table's doc line and range; each overrides the preset's
/// value (also taken by `brightrun train`). A switch has a `--no-` flag beside it.
#[derive(Debug, Clone, Default)]
pub struct HyperparameterFlags {
    overrides: HyperparameterOverrides,
}

impl HyperparameterFlags {
    /// The flags given, as the core's overrides.
    pub fn overrides(&self) -> HyperparameterOverrides {
        self.overrides.clone()
    }
}

/// The flag of a field (`lora_rank` -> `lora-rank`).
fn long_flag(name: &str) -> String {
    name.replace('_', "-")
}

/// The id of a switch's `--no-` flag.
fn negated(name: &str) -> String {
    format!("no_{name}")
}

impl Args for HyperparameterFlags {
    fn augment_args(command: clap::Command) -> clap::Command {
        HYPERPARAMETERS.iter().fold(command, |command, spec| {
            let help = match spec.allowed() {
                Some(allowed) => format!("{} ({allowed})", spec.doc.trim_end_matches('.')),
                None => spec.doc.to_owned(),
            };
            let flag = Arg::new(spec.name).long(long_flag(spec.name)).value_name(spec.name.to_uppercase()).help(help);
            match spec.kind {
                ValueKind::Switch => {
                    command.arg(flag.action(ArgAction::SetTrue).conflicts_with(negated(spec.name))).arg(
                        Arg::new(negated(spec.name))
                            .long(format!("no-{}", long_flag(spec.name)))
                            .action(ArgAction::SetTrue)
                            .help(format!("Turn {} off", long_flag(spec.name))),
                    )
                }
                ValueKind::Names => command.arg(flag.value_name("NAME,...")),
                ValueKind::Float | ValueKind::Integer | ValueKind::Choice => command.arg(flag),
            }
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl FromArgMatches for HyperparameterFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut overrides = HyperparameterOverrides::default();
        for spec in &HYPERPARAMETERS {
            let text = match spec.kind {
                ValueKind::Switch if matches.get_flag(spec.name) => Some("true"),
                ValueKind::Switch if matches.get_flag(&negated(spec.name)) => Some("false"),
                ValueKind::Switch => None,
                _ => matches.get_one::<String>(spec.name).map(String::as_str),
            };
            if let Some(text) = text {
                overrides.set_text(spec.name, text).map_err(|reason| {
                    clap::Error::raw(ErrorKind::ValueValidation, format!("--{}: {reason}\n", long_flag(spec.name)))
                })?;
            }
        }
        Ok(Self { overrides })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl EstimateArgs {
    /// The flags as the core's flat options, the same the Python and Node bindings build.
    fn options(&self) -> EstimateOptions {
        EstimateOptions {
            base_model: self.base_model.clone(),
            model_config: self.model_config.clone(),
            gpu: self.gpu.clone(),
            gpus: self.gpus,
            price_per_gpu_hour: self.price_per_gpu_hour,
            preset: self.preset,
            tokens: self.tokens,
            examples: self.examples,
            dataset_bytes: self.dataset_bytes,
            measured_tokens_per_second: self.measured_tokens_per_second,
            overrides: self.overrides.overrides(),
        }
    }
}

/// Runs `brightrun estimate`.
pub fn run(args: &EstimateArgs) -> Result<(), CliError> {
    let result = args.options().estimate()?;
    if args.json {
        print_json(&result)
    } else {
        print!("{}", report(&result, args.preset));
        Ok(())
    }
}

/// The human-readable report (also printed by `brightrun train`).
pub fn report(e: &Estimate, preset: Preset) -> String {
    let h = &e.hyperparameters;
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!(
        "{} on {} x {} (preset {preset}, rank {}, batch {}, seq {}, {}, quantization {})",
        e.base_model,
        e.gpu.gpu_count,
        e.gpu.gpu_type,
        h.lora_rank,
        h.batch_size,
        h.max_seq_len,
        if h.gradient_checkpointing { "checkpointing" } else { "no checkpointing" },
        h.quantization,
    ));
    line(format!(
        "Tokens     {} per epoch x {} epochs = {}; {} trainable adapter parameters",
        e.tokens.per_epoch, h.epochs, e.tokens.total, e.lora_parameters
    ));
    let d = &e.duration_hours;
    line(format!(
        "Duration   {:.2} h expected ({:.2} - {:.2} h) at {:.0} tokens/s",
        d.expected, d.low, d.high, e.duration.tokens_per_second.expected
    ));
    let c = &e.cost;
    line(format!(
        "Cost       ${} expected (${} - ${}) = {} GPU-hours x ${}/GPU-hour + ${} storage",
        c.total.round_to_cents(),
        c.total_range.low.round_to_cents(),
        c.total_range.high.round_to_cents(),
        c.gpu_hours.expected,
        c.price_per_gpu_hour,
        c.storage.round_to_cents(),
    ));
    let m = &e.memory;
    let b = &m.breakdown;
    line(format!(
        "Memory     {:.1} of {:.0} GiB per GPU: {} (weights {:.1}, adapter {:.1}, activations {:.1}, logits {:.1}, overhead {:.1})",
        m.required_gb,
        m.available_gb,
        if m.fits { format!("fits, {:.1} GiB spare", m.margin_gb) } else { "DOES NOT FIT".to_owned() },
        b.weights_gb,
        b.adapter_gb,
        b.activations_gb,
        b.logits_gb,
        b.overhead_gb,
    ));
    for suggestion in &m.suggestions {
        line(format!("  to fit: {} ({:.1} GiB)", suggestion.change, suggestion.required_gb));
    }
    for warning in &e.warnings {
        line(format!("warning[{}]: {}: {}", warning.code, warning.message, warning.reason));
    }
    out
}

#[cfg(test)]
mod tests {
    use brightrun_core::config::Quantization;
    use clap::{CommandFactory as _, Parser};

    use super::*;

    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        flags: HyperparameterFlags,
    }

    fn parse(args: &[&str]) -> Result<HyperparameterOverrides, clap::Error> {
        Flags::try_parse_from(["brightrun"].iter().chain(args)).map(|parsed| parsed.flags.overrides())
    }

    #[test]
    fn every_hyperparameter_has_a_flag_with_its_doc_and_range() {
        let help = Flags::command().render_help().to_string();
        for spec in &HYPERPARAMETERS {
            assert!(help.contains(&format!("--{}", long_flag(spec.name))), "--{} missing:\n{help}", spec.name);
        }
        assert!(help.contains("--no-gradient-checkpointing"), "{help}");
        assert!(help.contains("LoRA rank `r` (1 to 512)"), "{help}");
    }

    #[test]
    fn flags_override_what_they_name_and_bad_values_are_usage_errors() {
        let overrides = parse(&[
            "--learning-rate=1e-4",
            "--lora-rank",
            "64",
            "--target-modules",
            "q_proj,v_proj",
            "--quantization",
            "4bit",
            "--no-gradient-checkpointing",
        ])
        .unwrap();
        assert_eq!((overrides.learning_rate, overrides.lora_rank), (Some(1e-4), Some(64)));
        assert_eq!(overrides.target_modules, Some(vec!["q_proj".to_owned(), "v_proj".to_owned()]));
        assert_eq!((overrides.quantization, overrides.gradient_checkpointing), (Some(Quantization::Nf4), Some(false)));
        assert_eq!(parse(&["--gradient-checkpointing"]).unwrap().gradient_checkpointing, Some(true));
        assert_eq!(parse(&[]).unwrap(), HyperparameterOverrides::default());
        assert!(parse(&["--lora-rank", "many"]).is_err());
        assert!(parse(&["--gradient-checkpointing", "--no-gradient-checkpointing"]).is_err());
    }
}
