//! The base-model catalog: the architecture figures the estimators need.
//!
//! Values are those of each model's `config.json` on the Hugging Face Hub; parameter counts
//! are the published totals. A model outside the catalog is described by its own
//! `config.json` ([`ModelArchitecture::from_hf_config`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::CatalogError;

/// The shape of a decoder-only transformer, as far as training cost and memory depend on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelArchitecture {
    /// Total parameters, embeddings included.
    pub parameters: u64,
    /// Transformer blocks.
    pub layers: u32,
    /// Model (residual stream) width.
    pub hidden_size: u32,
    /// MLP inner width.
    pub intermediate_size: u32,
    /// Query heads.
    pub attention_heads: u32,
    /// Key/value heads (fewer than query heads with grouped-query attention).
    pub kv_heads: u32,
    /// Vocabulary size.
    pub vocab_size: u32,
    /// Longest context the model was trained for.
    pub context_length: u32,
    /// Whether the output head shares the embedding matrix.
    pub tied_embeddings: bool,
}

/// A catalog entry: a Hub id and its architecture.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BaseModel {
    /// Hugging Face Hub id.
    pub id: &'static str,
    /// Human name.
    pub display_name: &'static str,
    /// The architecture.
    pub architecture: ModelArchitecture,
}

#[allow(clippy::too_many_arguments)]
const fn arch(
    parameters: u64,
    layers: u32,
    hidden_size: u32,
    intermediate_size: u32,
    attention_heads: u32,
    kv_heads: u32,
    vocab_size: u32,
    context_length: u32,
) -> ModelArchitecture {
    ModelArchitecture {
        parameters,
        layers,
        hidden_size,
        intermediate_size,
        attention_heads,
        kv_heads,
        vocab_size,
        context_length,
        tied_embeddings: false,
    }
}

const MISTRAL_7B: ModelArchitecture = arch(7_241_732_096, 32, 4096, 14336, 32, 8, 32_000, 32_768);
const MISTRAL_7B_V03: ModelArchitecture = arch(7_248_023_552, 32, 4096, 14336, 32, 8, 32_768, 32_768);
const LLAMA3_8B: ModelArchitecture = arch(8_030_261_248, 32, 4096, 14336, 32, 8, 128_256, 8_192);
const LLAMA31_8B: ModelArchitecture = arch(8_030_261_248, 32, 4096, 14336, 32, 8, 128_256, 131_072);
const LLAMA3_70B: ModelArchitecture = arch(70_553_706_496, 80, 8192, 28672, 64, 8, 128_256, 8_192);
const LLAMA31_70B: ModelArchitecture = arch(70_553_706_496, 80, 8192, 28672, 64, 8, 128_256, 131_072);
const QWEN25_7B: ModelArchitecture = arch(7_615_616_512, 28, 3584, 18944, 28, 4, 152_064, 131_072);
const QWEN25_7B_INSTRUCT: ModelArchitecture = arch(7_615_616_512, 28, 3584, 18944, 28, 4, 152_064, 32_768);
const QWEN25_72B: ModelArchitecture = arch(72_706_203_648, 80, 8192, 29568, 64, 8, 152_064, 131_072);
const SMOKE: ModelArchitecture =
    ModelArchitecture { tied_embeddings: false, ..arch(426_624, 2, 128, 256, 4, 2, 512, 2_048) };
const QWEN3_8B: ModelArchitecture = arch(8_190_735_360, 36, 4096, 12288, 32, 8, 151_936, 40_960);

/// Every base model the estimator knows by id.
pub const BASE_MODEL_CATALOG: &[BaseModel] = &[
    BaseModel { id: "mistralai/Mistral-7B-v0.1", display_name: "Mistral 7B v0.1", architecture: MISTRAL_7B },
    BaseModel {
        id: "mistralai/Mistral-7B-Instruct-v0.3",
        display_name: "Mistral 7B Instruct v0.3",
        architecture: MISTRAL_7B_V03,
    },
    BaseModel { id: "meta-llama/Meta-Llama-3-8B", display_name: "Llama 3 8B", architecture: LLAMA3_8B },
    BaseModel {
        id: "meta-llama/Meta-Llama-3-8B-Instruct",
        display_name: "Llama 3 8B Instruct",
        architecture: LLAMA3_8B,
    },
    BaseModel { id: "meta-llama/Llama-3.1-8B", display_name: "Llama 3.1 8B", architecture: LLAMA31_8B },
    BaseModel {
        id: "meta-llama/Llama-3.1-8B-Instruct",
        display_name: "Llama 3.1 8B Instruct",
        architecture: LLAMA31_8B,
    },
    BaseModel { id: "meta-llama/Meta-Llama-3-70B", display_name: "Llama 3 70B", architecture: LLAMA3_70B },
    BaseModel {
        id: "meta-llama/Meta-Llama-3-70B-Instruct",
        display_name: "Llama 3 70B Instruct",
        architecture: LLAMA3_70B,
    },
    BaseModel { id: "meta-llama/Llama-3.1-70B", display_name: "Llama 3.1 70B", architecture: LLAMA31_70B },
    BaseModel {
        id: "meta-llama/Llama-3.1-70B-Instruct",
        display_name: "Llama 3.1 70B Instruct",
        architecture: LLAMA31_70B,
    },
    BaseModel { id: "Qwen/Qwen2.5-7B", display_name: "Qwen2.5 7B", architecture: QWEN25_7B },
    BaseModel { id: "Qwen/Qwen2.5-7B-Instruct", display_name: "Qwen2.5 7B Instruct", architecture: QWEN25_7B_INSTRUCT },
    BaseModel { id: "Qwen/Qwen2.5-72B", display_name: "Qwen2.5 72B", architecture: QWEN25_72B },
    BaseModel { id: "Qwen/Qwen2.5-72B-Instruct", display_name: "Qwen2.5 72B Instruct", architecture: QWEN25_72B },
    BaseModel { id: "Qwen/Qwen3-8B", display_name: "Qwen3 8B", architecture: QWEN3_8B },
    BaseModel {
        id: SMOKE_MODEL_ID,
        display_name: "smoke test model (tiny, randomly initialised; not a real model)",
        architecture: SMOKE,
    },
];

/// The id of the reference trainer's smoke model: a tiny randomly initialised Llama with a
/// tokenizer trained on the job's own dataset, for running the whole pipeline on a CPU.
pub const SMOKE_MODEL_ID: &str = "smoke";

impl BaseModel {
    /// Looks a model up by Hub id, ignoring case.
    pub fn find(id: &str) -> Result<&'static BaseModel, CatalogError> {
        BASE_MODEL_CATALOG.iter().find(|m| m.id.eq_ignore_ascii_case(id.trim())).ok_or_else(|| {
            CatalogError::UnknownBaseModel {
                id: id.to_owned(),
                known: BASE_MODEL_CATALOG.iter().map(|m| m.id).collect::<Vec<_>>().join(", "),
            }
        })
    }
}

impl ModelArchitecture {
    /// Width of one attention head.
    pub fn head_dim(&self) -> u64 {
        u64::from(self.hidden_size) / u64::from(self.attention_heads.max(1))
    }

    /// Output width of the key and value projections.
    pub fn kv_dim(&self) -> u64 {
        self.head_dim() * u64::from(self.kv_heads)
    }

    /// Parameters in the input embedding and the output head (two matrices unless tied).
    pub fn embedding_parameters(&self) -> u64 {
        let one = u64::from(self.vocab_size) * u64::from(self.hidden_size);
        if self.tied_embeddings { one } else { 2 * one }
    }

    /// Parameters of the transformer blocks: those that quantisation shrinks.
    pub fn block_parameters(&self) -> u64 {
        self.parameters.saturating_sub(self.embedding_parameters())
    }

    /// `(in, out)` features of a linear module in one block, by its usual name in
    /// Llama-, Mistral- and Qwen-style models; `None` for a name this shape does not have.
    pub fn module_shape(&self, module: &str) -> Option<(u64, u64)> {
        let hidden = u64::from(self.hidden_size);
        let inner = u64::from(self.intermediate_size);
        let q_out = self.head_dim() * u64::from(self.attention_heads);
        match module {
            "q_proj" => Some((hidden, q_out)),
            "k_proj" | "v_proj" => Some((hidden, self.kv_dim())),
            "o_proj" => Some((q_out, hidden)),
            "gate_proj" | "up_proj" => Some((hidden, inner)),
            "down_proj" => Some((inner, hidden)),
            _ => None,
        }
    }

    /// Reads the architecture from a Hugging Face `config.json`.
    ///
    /// The parameter count is computed from the shapes (embeddings, attention with
    /// grouped-query heads, a gated MLP, norms), as Llama-, Mistral- and Qwen-style models
    /// are built.
    pub fn from_hf_config(config: &Value) -> Result<Self, CatalogError> {
        let field = |name: &str| -> Result<u32, CatalogError> {
            config.get(name).and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0).ok_or_else(
                || CatalogError::InvalidArchitecture {
                    reason: format!("config.json needs a positive integer `{name}`"),
                },
            )
        };
        let hidden_size = field("hidden_size")?;
        let attention_heads = field("num_attention_heads")?;
        let kv_heads = match config.get("num_key_value_heads") {
            None | Some(Value::Null) => attention_heads,
            Some(_) => field("num_key_value_heads")?,
        };
        if hidden_size % attention_heads != 0 || attention_heads % kv_heads != 0 {
            return Err(CatalogError::InvalidArchitecture {
                reason: format!(
                    "hidden_size {hidden_size} must divide into {attention_heads} heads, \
                     and those into {kv_heads} key/value heads"
                ),
            });
        }
        let mut architecture = ModelArchitecture {
            parameters: 0,
            layers: field("num_hidden_layers")?,
            hidden_size,
            intermediate_size: field("intermediate_size")?,
            attention_heads,
            kv_heads,
            vocab_size: field("vocab_size")?,
            context_length: field("max_position_embeddings")?,
            tied_embeddings: config.get("tie_word_embeddings").and_then(Value::as_bool).unwrap_or(false),
        };
        architecture.parameters = architecture.computed_parameters();
        Ok(architecture)
    }

    /// Parameters implied by the shapes: embeddings, four attention projections, a gated
    /// MLP and two norms per block, and the final norm.
    pub fn computed_parameters(&self) -> u64 {
        let hidden = u64::from(self.hidden_size);
        let per_block: u64 = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
            .iter()
            .filter_map(|m| self.module_shape(m))
            .map(|(i, o)| i * o)
            .sum::<u64>()
            + 2 * hidden;
        self.embedding_parameters() + u64::from(self.layers) * per_block + hidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;

    #[test]
    fn catalog_parameter_counts_match_the_shapes() {
        // Published totals agree with the shapes to within the biases some models carry
        // (Qwen's q/k/v biases), so the figures in the table are not typos.
        for model in BASE_MODEL_CATALOG {
            let a = &model.architecture;
            let computed = a.computed_parameters() as f64;
            let ratio = computed / a.parameters as f64;
            assert!((0.995..1.005).contains(&ratio), "{}: {computed} vs {}", model.id, a.parameters);
        }
    }

    #[test]
    fn required_models_are_present() {
        for id in [
            "mistralai/Mistral-7B-v0.1",
            "mistralai/Mistral-7B-Instruct-v0.3",
            "meta-llama/Meta-Llama-3-8B",
            "meta-llama/Llama-3.1-8B",
            "meta-llama/Meta-Llama-3-70B",
            "Qwen/Qwen2.5-7B",
            "Qwen/Qwen2.5-72B",
            "Qwen/Qwen3-8B",
        ] {
            BaseModel::find(id).unwrap();
        }
        assert_eq!(BaseModel::find("gpt2").unwrap_err().code(), "unknown_base_model");
    }

    #[test]
    fn reads_an_hf_config() {
        let config = serde_json::json!({
            "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8,
            "num_hidden_layers": 32, "intermediate_size": 14336, "vocab_size": 32000,
            "max_position_embeddings": 32768, "tie_word_embeddings": false
        });
        let a = ModelArchitecture::from_hf_config(&config).unwrap();
        assert_eq!(a.parameters, MISTRAL_7B.parameters);
        assert_eq!(a.kv_dim(), 1024);
    }

    #[test]
    fn an_incomplete_config_says_which_field_is_missing() {
        let config = serde_json::json!({ "hidden_size": 4096 });
        let err = ModelArchitecture::from_hf_config(&config).unwrap_err();
        assert_eq!(err.code(), "invalid_architecture");
        assert!(err.to_string().contains("num_attention_heads"), "{err}");
        let bad_heads = serde_json::json!({
            "hidden_size": 100, "num_attention_heads": 3, "num_hidden_layers": 1,
            "intermediate_size": 10, "vocab_size": 10, "max_position_embeddings": 10
        });
        assert!(ModelArchitecture::from_hf_config(&bad_heads).is_err());
    }
}
