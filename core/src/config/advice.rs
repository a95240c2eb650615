//! Advice on hyperparameters that are valid but unwise for a particular dataset.
//!
//! Each piece of advice is a warning, never an error: the user may know better. Every one
//! carries a stable code, the field it concerns, what was seen and why it matters.

use serde::Serialize;

use super::hyperparameters::Hyperparameters;

/// What the advice needs to know about the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetProfile {
    /// Training examples (conversations with an assistant target) in the training split.
    pub training_examples: u64,
}

impl DatasetProfile {
    /// Optimiser steps of the whole run: ceil(examples / effective batch) x epochs,
    /// saturating at `u64::MAX` for counts no dataset has.
    pub fn total_steps(&self, hyperparameters: &Hyperparameters) -> u64 {
        let batch = hyperparameters.effective_batch_size().max(1);
        self.training_examples.div_ceil(batch).saturating_mul(u64::from(hyperparameters.epochs))
    }
}

/// One warning about a hyperparameter choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Advice {
    /// Stable code, e.g. `warmup_longer_than_run`.
    pub code: &'static str,
    /// The hyperparameter concerned.
    pub field: &'static str,
    /// What was seen, with the numbers.
    pub message: String,
    /// Why it matters and what to do instead.
    pub reason: String,
}

/// The usual learning-rate range for LoRA fine-tuning of 7B to 70B models: the LoRA and
/// QLoRA papers and the PEFT examples use 1e-4 to 3e-4; an order of magnitude beyond either
/// end rarely helps.
pub const USUAL_LORA_LEARNING_RATE: std::ops::RangeInclusive<f64> = 1e-5..=1e-3;

/// Fewer examples than this make many epochs a memorisation risk.
const SMALL_DATASET_EXAMPLES: u64 = 500;
/// Epochs above which a small dataset is likely memorised.
const MANY_EPOCHS: u32 = 5;

/// All advice for these hyperparameters on this dataset, most important first.
pub fn advise(hyperparameters: &Hyperparameters, dataset: &DatasetProfile) -> Vec<Advice> {
    let mut advice = Vec::new();
    advise_warmup(hyperparameters, dataset, &mut advice);
    advise_epochs(hyperparameters, dataset, &mut advice);
    advise_learning_rate(hyperparameters, &mut advice);
    advise_rank(hyperparameters, dataset, &mut advice);
    advise_batch(hyperparameters, dataset, &mut advice);
    advice
}

fn advise_warmup(hp: &Hyperparameters, dataset: &DatasetProfile, advice: &mut Vec<Advice>) {
    let total_steps = dataset.total_steps(hp);
    let warmup = u64::from(hp.warmup_steps);
    if warmup == 0 || total_steps == 0 {
        return;
    }
    if warmup >= total_steps {
        advice.push(Advice {
            code: "warmup_longer_than_run",
            field: "warmup_steps",
            message: format!("{warmup} warmup steps, but the whole run has only {total_steps} optimiser steps"),
            reason: format!(
                "the learning rate never reaches its peak; use at most about {} warmup steps (10% of the run)",
                (total_steps / 10).max(1)
            ),
        });
    } else if warmup * 2 > total_steps {
        advice.push(Advice {
            code: "warmup_most_of_run",
            field: "warmup_steps",
            message: format!("{warmup} of {total_steps} optimiser steps are warmup"),
            reason: "most of the run trains below the chosen learning rate; 3-10% of the steps is usual".into(),
        });
    }
}

fn advise_epochs(hp: &Hyperparameters, dataset: &DatasetProfile, advice: &mut Vec<Advice>) {
    if hp.epochs > MANY_EPOCHS && dataset.training_examples < SMALL_DATASET_EXAMPLES {
        advice.push(Advice {
            code: "many_epochs_small_dataset",
            field: "epochs",
            message: format!("{} epochs over only {} examples", hp.epochs, dataset.training_examples),
            reason: "the adapter will likely memorise the examples instead of learning the style; \
                     use 2-3 epochs, or add data, and watch the validation loss"
                .into(),
        });
    }
}

fn advise_learning_rate(hp: &Hyperparameters, advice: &mut Vec<Advice>) {
    if !USUAL_LORA_LEARNING_RATE.contains(&hp.learning_rate) {
        let side = if hp.learning_rate > *USUAL_LORA_LEARNING_RATE.end() { "high" } else { "low" };
        advice.push(Advice {
            code: "learning_rate_unusual",
            field: "learning_rate",
            message: format!("learning rate {:e} is unusually {side} for LoRA", hp.learning_rate),
            reason: "LoRA fine-tuning usually works best between 1e-4 and 3e-4; much higher tends to \
                     diverge, much lower barely moves the adapter"
                .into(),
        });
    }
}

/// The largest rank the dataset's size usually supports.
fn supported_rank(training_examples: u64) -> u32 {
    match training_examples {
        0..500 => 8,
        500..2_000 => 16,
        2_000..10_000 => 32,
        10_000..50_000 => 64,
        _ => 128,
    }
}

fn advise_rank(hp: &Hyperparameters, dataset: &DatasetProfile, advice: &mut Vec<Advice>) {
    let supported = supported_rank(dataset.training_examples);
    if hp.lora_rank >= 4 * supported {
        advice.push(Advice {
            code: "rank_above_data",
            field: "lora_rank",
            message: format!(
                "LoRA rank {} for {} examples; about {supported} is usual for a dataset of this size",
                hp.lora_rank, dataset.training_examples
            ),
            reason: "a rank far above what the data supports adds parameters that only memorise; \
                     it costs memory and time without improving quality"
                .into(),
        });
    }
}

fn advise_batch(hp: &Hyperparameters, dataset: &DatasetProfile, advice: &mut Vec<Advice>) {
    let effective = hp.effective_batch_size();
    if dataset.training_examples > 0 && effective > dataset.training_examples {
        advice.push(Advice {
            code: "batch_larger_than_dataset",
            field: "batch_size",
            message: format!(
                "an optimiser step takes {effective} examples but the dataset has {}",
                dataset.training_examples
            ),
            reason: "each epoch is a single step, so the schedule and warmup are meaningless; \
                     lower batch_size or gradient_accumulation_steps"
                .into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    fn codes(hp: &Hyperparameters, examples: u64) -> Vec<&'static str> {
        let profile = DatasetProfile { training_examples: examples };
        advise(hp, &profile).iter().map(|a| a.code).collect()
    }

    #[test]
    fn balanced_on_a_medium_dataset_needs_no_advice() {
        let hp = Preset::Balanced.hyperparameters("m");
        assert!(codes(&hp, 5_000).is_empty(), "{:?}", codes(&hp, 5_000));
    }

    #[test]
    fn warmup_longer_than_the_run_is_flagged_with_a_better_value() {
        // 100 examples / batch 8 = 13 steps x 5 epochs = 65 steps < 200 warmup.
        let hp = Preset::Balanced.hyperparameters("m");
        let profile = DatasetProfile { training_examples: 100 };
        let advice = advise(&hp, &profile);
        let warmup = advice.iter().find(|a| a.code == "warmup_longer_than_run").unwrap();
        assert!(warmup.message.contains("only 65"), "{}", warmup.message);
        assert!(warmup.reason.contains("at most about 6"), "{}", warmup.reason);
    }

    #[test]
    fn warmup_taking_most_of_the_run_is_flagged() {
        let hp = Preset::Conservative.hyperparameters("m"); // warmup 100, batch 4, 3 epochs
        // 240 examples / 4 = 60 steps x 3 = 180 steps; 100 > 90.
        assert!(codes(&hp, 240).contains(&"warmup_most_of_run"));
    }

    #[test]
    fn many_epochs_on_a_tiny_dataset_is_flagged() {
        let hp = Preset::Aggressive.hyperparameters("m");
        let found = codes(&hp, 120);
        assert!(found.contains(&"many_epochs_small_dataset"), "{found:?}");
        assert!(found.contains(&"rank_above_data"), "{found:?}");
    }

    #[test]
    fn unusual_learning_rates_are_flagged_on_either_side() {
        let mut hp = Preset::Balanced.hyperparameters("m");
        hp.learning_rate = 5e-3;
        assert!(codes(&hp, 5_000).contains(&"learning_rate_unusual"));
        hp.learning_rate = 1e-6;
        assert!(codes(&hp, 5_000).contains(&"learning_rate_unusual"));
    }

    #[test]
    fn batch_larger_than_the_dataset_is_flagged() {
        let mut hp = Preset::Balanced.hyperparameters("m");
        hp.gradient_accumulation_steps = 8;
        assert!(codes(&hp, 50).contains(&"batch_larger_than_dataset"));
    }
}
