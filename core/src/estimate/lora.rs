//! Size of the LoRA adapter: its trainable parameters and its file.

use crate::config::{Hyperparameters, ModelArchitecture};

use super::error::EstimateError;

/// Bytes per adapter parameter on disk: PEFT keeps adapter weights in fp32 by default
/// (`autocast_adapter_dtype=True`) and saves them as such.
pub const ADAPTER_BYTES_PER_PARAMETER: u64 = 4;

/// Trainable LoRA parameters: for every target module in every block, `r x (in + out)`
/// (the `A` and `B` matrices of Hu et al., 2021, eq. 3).
pub fn lora_parameters(architecture: &ModelArchitecture, hp: &Hyperparameters) -> Result<u64, EstimateError> {
    let per_block = hp
        .target_modules
        .iter()
        .map(|module| {
            architecture
                .module_shape(module)
                .map(|(inputs, outputs)| u64::from(hp.lora_rank) * (inputs + outputs))
                .ok_or_else(|| EstimateError::UnknownTargetModule { module: module.clone() })
        })
        .sum::<Result<u64, _>>()?;
    Ok(per_block * u64::from(architecture.layers))
}

/// Sum of the input widths of the target modules in one block: what LoRA dropout keeps a
/// masked copy of.
pub fn lora_input_width(architecture: &ModelArchitecture, hp: &Hyperparameters) -> u64 {
    hp.target_modules.iter().filter_map(|module| architecture.module_shape(module)).map(|(inputs, _)| inputs).sum()
}

/// Size of `adapter_model.safetensors`.
pub fn adapter_bytes(lora_parameters: u64) -> u64 {
    lora_parameters * ADAPTER_BYTES_PER_PARAMETER
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BaseModel, Preset};

    #[test]
    fn mistral_rank_16_attention_adapter_has_13_6_million_parameters() {
        let arch = &BaseModel::find("mistralai/Mistral-7B-v0.1").unwrap().architecture;
        let hp = Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1");
        // Per block: q 16x(4096+4096) + k,v 16x(4096+1024) each + o 16x(4096+4096) = 425,984.
        assert_eq!(lora_parameters(arch, &hp).unwrap(), 425_984 * 32);
    }

    #[test]
    fn unknown_modules_are_an_error() {
        let arch = &BaseModel::find("Qwen/Qwen3-8B").unwrap().architecture;
        let mut hp = Preset::Balanced.hyperparameters("Qwen/Qwen3-8B");
        hp.target_modules.push("c_attn".into());
        let err = lora_parameters(arch, &hp).unwrap_err();
        assert!(matches!(err, EstimateError::UnknownTargetModule { module } if module == "c_attn"));
    }
}
