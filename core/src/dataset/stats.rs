//! Statistics of a dataset: accumulated per chunk by the workers, merged in file order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::conversation::{Role, Split};
use super::cross_record::CrossCounts;
use super::format::{Training, View};
use super::tokenizer::TokenCount;

/// Minimum, mean and maximum of a per-conversation quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Spread {
    /// The smallest.
    pub min: u64,
    /// The mean.
    pub mean: f64,
    /// The largest.
    pub max: u64,
}

/// The distribution of tokens per conversation. Quantiles are exact, by nearest rank.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenSpread {
    /// The shortest conversation.
    pub min: u64,
    /// The median (the lower one for an even count).
    pub median: u64,
    /// The 95th percentile.
    pub p95: u64,
    /// The longest conversation.
    pub max: u64,
    /// The mean.
    pub mean: f64,
}

/// Messages by role, over all conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoleCounts {
    /// System messages.
    pub system: u64,
    /// User messages.
    pub user: u64,
    /// Assistant messages.
    pub assistant: u64,
    /// Plain-text documents (`text` records).
    #[serde(default)]
    pub text: u64,
    /// Tool results (chat with tools); left out of JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tool: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// The statistics of a validation report. A file with errors still has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetStats {
    /// Lines of the file, blank lines counted.
    pub lines: u64,
    /// Bytes of the file (decompressed).
    pub bytes: u64,
    /// Records: non-blank lines of a JSONL file or records of a JSON document, `_meta` aside.
    pub records: u64,
    /// Records that became a canonical conversation (a v4 pair is one).
    pub conversations: u64,
    /// Distinct `conversation_id`s (v3, v4), when the format has them: a v4 conversation
    /// spans several pairs.
    pub source_conversations: Option<u64>,
    /// Conversations of the train split with at least one assistant target.
    pub training_examples: u64,
    /// Conversations of the validation split with at least one assistant target.
    pub validation_examples: u64,
    /// Assistant targets (the pairs learnt from) in the train split.
    pub training_pairs: u64,
    /// Assistant targets in the validation split.
    pub validation_pairs: u64,
    /// v4 pairs whose `target_response` is null: user turns, counted, not trained on.
    pub user_turn_pairs: u64,
    /// Conversations not trained on because of `weight: 0`: on the chat record, or on every
    /// assistant message.
    pub zero_weight_conversations: u64,
    /// Messages per conversation.
    pub messages_per_conversation: Option<Spread>,
    /// Messages by role.
    pub roles: RoleCounts,
    /// The token counter, as it names itself; `None` when tokens were not counted.
    pub tokenizer: Option<String>,
    /// Whether the token counts are exactly the trainer's (false for an estimate).
    pub tokens_exact: bool,
    /// Tokens of the conversations the trainer sees (those with a target), both splits.
    pub total_tokens: Option<u64>,
    /// Of which assistant tokens, the ones the loss is computed on.
    pub trainable_tokens: Option<u64>,
    /// Of `total_tokens`, those of the validation split.
    pub validation_tokens: Option<u64>,
    /// Tokens per conversation the trainer sees.
    pub tokens_per_conversation: Option<TokenSpread>,
    /// The maximum sequence length checked against, if any.
    pub max_seq_len: Option<u32>,
    /// Conversations longer than `max_seq_len` (they will be truncated).
    pub over_max_seq_len: u64,
    /// Conversations that repeat an earlier one in the same split.
    pub duplicates: u64,
    /// Conversations that are in both the train and the validation split.
    pub train_validation_overlap: u64,
}

/// The token counter's description, when tokens are counted.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    /// Its name.
    pub name: String,
    /// Whether it is exact.
    pub exact: bool,
}

/// What the statistics need beyond the conversations.
#[derive(Debug, Clone)]
pub(crate) struct FileTotals {
    /// Lines of the file.
    pub lines: u64,
    /// Bytes of the file.
    pub bytes: u64,
    /// Records of the file.
    pub records: u64,
    /// The cross-record totals.
    pub cross: CrossCounts,
    /// The token counter, if tokens were counted.
    pub tokens: Option<TokenInfo>,
    /// The maximum sequence length checked against.
    pub max_seq_len: Option<u32>,
}

/// Sums of a chunk or of the whole file.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatsAccumulator {
    conversations: u64,
    examples: [u64; 2],
    pairs: [u64; 2],
    user_turn_pairs: u64,
    zero_weight: u64,
    messages_sum: u64,
    messages_min: u64,
    messages_max: u64,
    roles: [u64; 5],
    total_tokens: u64,
    trainable_tokens: u64,
    validation_tokens: u64,
    /// How many counted conversations have each total of tokens: exact quantiles in memory
    /// bounded by the distinct totals (a few thousand), not by the conversations.
    per_conversation: BTreeMap<u64, u64>,
    over_max_seq_len: u64,
}

fn split_index(split: Split) -> usize {
    match split {
        Split::Train => 0,
        Split::Validation => 1,
    }
}

fn role_index(role: Role) -> usize {
    match role {
        Role::System => 0,
        Role::User => 1,
        Role::Assistant => 2,
        Role::Text => 3,
        Role::Tool => 4,
    }
}

impl StatsAccumulator {
    /// Adds a conversation in `split`, with its tokens when they were counted.
    pub fn add(&mut self, view: &View<'_>, split: Split, tokens: Option<TokenCount>, over_max_seq_len: bool) {
        let messages = view.messages.len() as u64;
        self.messages_min = if self.conversations == 0 { messages } else { self.messages_min.min(messages) };
        self.messages_max = self.messages_max.max(messages);
        self.messages_sum += messages;
        self.conversations += 1;
        for message in &view.messages {
            self.roles[role_index(message.role)] += 1;
        }
        match view.training {
            Training::Trained if view.targets > 0 => {
                self.examples[split_index(split)] += 1;
                self.pairs[split_index(split)] += u64::from(view.targets);
            }
            Training::Trained => {}
            Training::UserTurn => self.user_turn_pairs += 1,
            Training::ZeroWeight | Training::ZeroWeightMessages => self.zero_weight += 1,
        }
        if let Some(tokens) = tokens {
            self.total_tokens += tokens.total;
            self.trainable_tokens += tokens.trainable;
            if split == Split::Validation {
                self.validation_tokens += tokens.total;
            }
            *self.per_conversation.entry(tokens.total).or_default() += 1;
        }
        self.over_max_seq_len += u64::from(over_max_seq_len);
    }

    /// Adds a later chunk's sums.
    pub fn merge(&mut self, other: StatsAccumulator) {
        if other.conversations > 0 {
            self.messages_min =
                if self.conversations == 0 { other.messages_min } else { self.messages_min.min(other.messages_min) };
        }
        self.conversations += other.conversations;
        for i in 0..2 {
            self.examples[i] += other.examples[i];
            self.pairs[i] += other.pairs[i];
        }
        self.user_turn_pairs += other.user_turn_pairs;
        self.zero_weight += other.zero_weight;
        self.messages_sum += other.messages_sum;
        self.messages_max = self.messages_max.max(other.messages_max);
        for (total, count) in self.roles.iter_mut().zip(other.roles) {
            *total += count;
        }
        self.total_tokens += other.total_tokens;
        self.trainable_tokens += other.trainable_tokens;
        self.validation_tokens += other.validation_tokens;
        for (tokens, count) in other.per_conversation {
            *self.per_conversation.entry(tokens).or_default() += count;
        }
        self.over_max_seq_len += other.over_max_seq_len;
    }

    /// Conversations of the train split with a target.
    pub fn training_examples(&self) -> u64 {
        self.examples[0]
    }

    /// Records that are trained on (v4: pairs with a target response).
    pub fn trained_conversations(&self) -> u64 {
        self.conversations - self.user_turn_pairs - self.zero_weight
    }

    /// The statistics.
    pub fn finish(self, totals: FileTotals) -> DatasetStats {
        let messages_per_conversation = (self.conversations > 0).then(|| Spread {
            min: self.messages_min,
            mean: self.messages_sum as f64 / self.conversations as f64,
            max: self.messages_max,
        });
        let counted = totals.tokens.is_some();
        let tokens_per_conversation = token_spread(&self.per_conversation);
        DatasetStats {
            lines: totals.lines,
            bytes: totals.bytes,
            records: totals.records,
            conversations: self.conversations,
            source_conversations: totals.cross.source_conversations,
            training_examples: self.examples[0],
            validation_examples: self.examples[1],
            training_pairs: self.pairs[0],
            validation_pairs: self.pairs[1],
            user_turn_pairs: self.user_turn_pairs,
            zero_weight_conversations: self.zero_weight,
            messages_per_conversation,
            roles: RoleCounts {
                system: self.roles[0],
                user: self.roles[1],
                assistant: self.roles[2],
                text: self.roles[3],
                tool: self.roles[4],
            },
            tokens_exact: totals.tokens.as_ref().is_some_and(|t| t.exact),
            tokenizer: totals.tokens.map(|t| t.name),
            total_tokens: counted.then_some(self.total_tokens),
            trainable_tokens: counted.then_some(self.trainable_tokens),
            validation_tokens: counted.then_some(self.validation_tokens),
            tokens_per_conversation,
            max_seq_len: totals.max_seq_len,
            over_max_seq_len: self.over_max_seq_len,
            duplicates: totals.cross.duplicates,
            train_validation_overlap: totals.cross.overlaps,
        }
    }
}

/// Exact min, median, 95th percentile and max (nearest rank) from a histogram of
/// per-conversation counts.
fn token_spread(histogram: &BTreeMap<u64, u64>) -> Option<TokenSpread> {
    let (&min, _) = histogram.first_key_value()?;
    let (&max, _) = histogram.last_key_value()?;
    let n: u64 = histogram.values().sum();
    let sum: u128 = histogram.iter().map(|(&tokens, &count)| u128::from(tokens) * u128::from(count)).sum();
    // Nearest rank: the smallest value with at least p of the values at or below it.
    let rank = |p: f64| {
        let wanted = ((p * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        histogram
            .iter()
            .find(|(_, count)| {
                seen += **count;
                seen >= wanted
            })
            .map_or(max, |(tokens, _)| *tokens)
    };
    Some(TokenSpread { min, median: rank(0.5), p95: rank(0.95), max, mean: sum as f64 / n as f64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: impl IntoIterator<Item = u64>) -> BTreeMap<u64, u64> {
        let mut histogram = BTreeMap::new();
        for value in values {
            *histogram.entry(value).or_default() += 1;
        }
        histogram
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let spread = token_spread(&histogram((1..=100).rev())).unwrap();
        assert_eq!((spread.min, spread.median, spread.p95, spread.max), (1, 50, 95, 100));
        assert_eq!(spread.mean, 50.5);
        let spread = token_spread(&histogram([5, 5, 5, 9, 100])).unwrap();
        assert_eq!((spread.min, spread.median, spread.p95, spread.max), (5, 5, 100, 100));
        let one = token_spread(&histogram([7])).unwrap();
        assert_eq!((one.min, one.median, one.p95, one.max), (7, 7, 7, 7));
        assert_eq!(token_spread(&BTreeMap::new()), None);
    }
}
