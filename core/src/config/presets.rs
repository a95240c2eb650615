//! Named starting points for hyperparameters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::base_model::SMOKE_MODEL_ID;
use super::error::CatalogError;
use super::hyperparameters::{DEFAULT_TARGET_MODULES, HyperparameterOverrides, Hyperparameters, Quantization};

/// A preset: three tuned starting points, or `custom` for hand-set values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Small steps, low rank: the safest choice for a first run or a small dataset.
    Conservative,
    /// The default: a good result on most conversation datasets.
    Balanced,
    /// Fast learning, high rank: for large datasets with a lot to teach.
    Aggressive,
    /// Every value chosen by the user (starts from `balanced`).
    Custom,
}

impl Preset {
    /// The three named presets (not `custom`).
    pub const NAMED: [Preset; 3] = [Preset::Conservative, Preset::Balanced, Preset::Aggressive];

    /// Every preset, `custom` last.
    pub const ALL: [Preset; 4] = [Preset::Conservative, Preset::Balanced, Preset::Aggressive, Preset::Custom];

    /// The name used in flags and JSON.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Preset::Conservative => "conservative",
            Preset::Balanced => "balanced",
            Preset::Aggressive => "aggressive",
            Preset::Custom => "custom",
        }
    }

    /// One line on when to choose it.
    pub const fn description(&self) -> &'static str {
        match self {
            Preset::Conservative => "small steps and low rank; safest for small datasets and first runs",
            Preset::Balanced => "the default; suits most conversation datasets",
            Preset::Aggressive => "fast learning and high rank; for large datasets with a lot to teach",
            Preset::Custom => "your own values, starting from balanced",
        }
    }

    /// The values a job of this preset trains `base_model` with, and the preset it is
    /// recorded as: the preset's values (for the [smoke model](SMOKE_MODEL_ID), its own quick
    /// values instead), then `overrides`. A job whose values are not exactly its preset's is
    /// recorded as `custom`.
    pub fn resolve(self, base_model: &str, overrides: &HyperparameterOverrides) -> (Preset, Hyperparameters) {
        let mut values = self.hyperparameters(base_model);
        if base_model.eq_ignore_ascii_case(SMOKE_MODEL_ID) {
            smoke_values(&mut values);
        }
        overrides.apply(&mut values);
        let recorded = if values == self.hyperparameters(base_model) { self } else { Preset::Custom };
        (recorded, values)
    }

    /// The preset's hyperparameters for a base model.
    pub fn hyperparameters(&self, base_model: &str) -> Hyperparameters {
        let (learning_rate, batch_size, epochs, lora_rank, lora_alpha, lora_dropout, warmup_steps) = match self {
            Preset::Conservative => (1e-4, 4, 3, 8, 16, 0.05, 100),
            Preset::Balanced | Preset::Custom => (2e-4, 8, 5, 16, 32, 0.1, 200),
            Preset::Aggressive => (3e-4, 16, 10, 32, 64, 0.1, 500),
        };
        Hyperparameters {
            base_model: base_model.to_owned(),
            learning_rate,
            batch_size,
            epochs,
            lora_rank,
            lora_alpha,
            lora_dropout,
            warmup_steps,
            weight_decay: 0.01,
            gradient_accumulation_steps: 1,
            max_grad_norm: 1.0,
            max_seq_len: 2048,
            target_modules: DEFAULT_TARGET_MODULES.iter().map(|m| (*m).to_owned()).collect(),
            quantization: Quantization::None,
            gradient_checkpointing: true,
        }
    }
}

/// A preset as the catalogs list it: `brightrun presets --json` and the bindings' `presets()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PresetSummary {
    /// The preset's name.
    pub name: Preset,
    /// When to choose it.
    pub description: &'static str,
    /// Its values (with an empty base model: the preset is the same for every model).
    pub hyperparameters: Hyperparameters,
}

impl Preset {
    /// Every preset with its description and values, `custom` last.
    pub fn summaries() -> Vec<PresetSummary> {
        Preset::ALL
            .iter()
            .map(|p| PresetSummary { name: *p, description: p.description(), hyperparameters: p.hyperparameters("") })
            .collect()
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Preset {
    type Err = CatalogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| CatalogError::UnknownPreset { name: s.to_owned() })
    }
}

/// The smoke model's values, replacing those of any preset that only suit a real model:
/// a tiny randomly initialised model needs a high learning rate, a short warmup and no
/// dropout, and learns in a few epochs of small batches. On the sample datasets (24
/// conversations) that is 18 to 24 optimiser steps: seconds on a CPU.
fn smoke_values(hyperparameters: &mut Hyperparameters) {
    hyperparameters.learning_rate = 5e-3;
    hyperparameters.batch_size = 4;
    hyperparameters.epochs = 4;
    hyperparameters.lora_rank = 8;
    hyperparameters.lora_alpha = 16;
    hyperparameters.lora_dropout = 0.0;
    hyperparameters.warmup_steps = 2;
    hyperparameters.weight_decay = 0.0;
    hyperparameters.max_seq_len = 1024;
    hyperparameters.gradient_checkpointing = false;
    hyperparameters.target_modules =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"].map(String::from).to_vec();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_values_are_the_products() {
        let table: Vec<_> = Preset::NAMED
            .iter()
            .map(|p| {
                let h = p.hyperparameters("m");
                (
                    h.learning_rate,
                    h.batch_size,
                    h.epochs,
                    h.lora_rank,
                    h.lora_alpha,
                    h.lora_dropout,
                    h.warmup_steps,
                    h.weight_decay,
                )
            })
            .collect();
        assert_eq!(
            table,
            [
                (1e-4, 4, 3, 8, 16, 0.05, 100, 0.01),
                (2e-4, 8, 5, 16, 32, 0.1, 200, 0.01),
                (3e-4, 16, 10, 32, 64, 0.1, 500, 0.01),
            ]
        );
    }

    #[test]
    fn the_smoke_model_gets_quick_values_and_overrides_win() {
        let none = HyperparameterOverrides::default();
        let (preset, values) = Preset::Balanced.resolve("smoke", &none);
        assert_eq!((preset, values.learning_rate, values.warmup_steps), (Preset::Custom, 5e-3, 2));
        values.validate().unwrap();
        let (preset, values) = Preset::Balanced.resolve("Qwen/Qwen3-8B", &none);
        assert_eq!((preset, values), (Preset::Balanced, Preset::Balanced.hyperparameters("Qwen/Qwen3-8B")));
        let epochs = HyperparameterOverrides { epochs: Some(2), ..Default::default() };
        let (preset, values) = Preset::Balanced.resolve("smoke", &epochs);
        assert_eq!((preset, values.epochs), (Preset::Custom, 2));
    }

    #[test]
    fn names_parse_case_insensitively_and_serialise_snake_case() {
        assert_eq!("Balanced".parse::<Preset>().unwrap(), Preset::Balanced);
        assert_eq!(serde_json::to_string(&Preset::Custom).unwrap(), "\"custom\"");
        assert!("turbo".parse::<Preset>().is_err());
    }
}
