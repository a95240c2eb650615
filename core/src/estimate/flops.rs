//! Floating-point work of LoRA training, per token.
//!
//! A dense matrix multiply costs 2 FLOPs per weight per token (Kaplan et al., 2020, sec.
//! 2.1). Full fine-tuning therefore costs about 6N per token: 2N forward, 2N for the
//! gradients with respect to activations and 2N for the gradients with respect to weights.
//! LoRA freezes the base weights, so their weight gradients are never computed (Hu et al.,
//! 2021, sec. 4.2), leaving 4N, plus 6 FLOPs per trainable adapter weight. Activation
//! checkpointing reruns the forward pass during the backward pass, adding 2N (Korthikanti et
//! al., 2022, sec. 4). Causal attention adds `2 x layers x hidden x context` forward
//! (QK^T and AV, half the square by causality), twice that backward.

use crate::config::{Hyperparameters, ModelArchitecture};

/// The FLOPs of one trained token, with the terms that make it up.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FlopsPerToken {
    /// Dense matmul FLOPs through the frozen weights (forward, backward, recomputation).
    pub frozen_matmul: f64,
    /// Attention score and value FLOPs (forward, backward, recomputation).
    pub attention: f64,
    /// Forward, backward and weight-gradient FLOPs of the adapter.
    pub adapter: f64,
    /// The sum.
    pub total: f64,
}

/// FLOPs to train on one token of an example `context` tokens long.
pub fn flops_per_token(
    architecture: &ModelArchitecture,
    hp: &Hyperparameters,
    lora_parameters: u64,
    context: f64,
) -> FlopsPerToken {
    // Weights a token is multiplied through: the blocks and the output head (the input
    // embedding is a lookup).
    let matmul_weights = architecture.block_parameters() as f64
        + f64::from(architecture.vocab_size) * f64::from(architecture.hidden_size);
    let forward_passes = if hp.gradient_checkpointing { 2.0 } else { 1.0 };
    let frozen_matmul = (2.0 * forward_passes + 2.0) * matmul_weights;
    let attention_forward = 2.0 * f64::from(architecture.layers) * f64::from(architecture.hidden_size) * context;
    let attention = (forward_passes + 2.0) * attention_forward;
    let adapter = 6.0 * lora_parameters as f64;
    FlopsPerToken { frozen_matmul, attention, adapter, total: frozen_matmul + attention + adapter }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BaseModel, Preset};

    #[test]
    fn lora_costs_about_four_n_per_token_and_checkpointing_six_n() {
        let arch = &BaseModel::find("meta-llama/Meta-Llama-3-8B").unwrap().architecture;
        let mut hp = Preset::Balanced.hyperparameters("m");
        hp.gradient_checkpointing = false;
        let n = arch.parameters as f64;
        let plain = flops_per_token(arch, &hp, 0, 0.0).total / n;
        hp.gradient_checkpointing = true;
        let checkpointed = flops_per_token(arch, &hp, 0, 0.0).total / n;
        // The input embedding (0.5B of 8B) does no matmul, hence a little under 4 and 6.
        assert!((3.7..4.0).contains(&plain), "{plain}");
        assert!((5.6..6.0).contains(&checkpointed), "{checkpointed}");
    }

    #[test]
    fn longer_context_costs_more_attention() {
        let arch = &BaseModel::find("mistralai/Mistral-7B-v0.1").unwrap().architecture;
        let hp = Preset::Balanced.hyperparameters("m");
        let short = flops_per_token(arch, &hp, 0, 512.0);
        let long = flops_per_token(arch, &hp, 0, 4096.0);
        assert!(long.attention > 7.9 * short.attention);
        assert_eq!(long.frozen_matmul, short.frozen_matmul);
    }
}
