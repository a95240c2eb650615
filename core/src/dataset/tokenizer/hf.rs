//! The exact token counter: a Hugging Face `tokenizer.json` and the model's chat template.
//! What it counts, and how, is documented on [`HfTokenCounter`].

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::Local;
use minijinja::value::Value;
use serde::Serialize;
use tokenizers::{ModelWrapper, Tokenizer};

use super::cache::{CacheCounters, CountCache, KeyHasher};
use super::pieces::{PieceSplitter, Segment};
use super::resolve::TokenizerFiles;
use super::template::{CHATML_TEMPLATE, ChatTemplate, TemplateConfig};
use super::words::{self, Cuts, MIN_CUT_BYTES};
use super::{TokenCount, TokenCounter, TokenizerError};
use crate::dataset::conversation::Message;

/// Pieces of text (and words) remembered by default: about 40 bytes each, some 10 MB in
/// all for each of the two caches.
pub const DEFAULT_CACHE_CAPACITY: usize = 1 << 18;

/// Tags that keep the two kinds of per-prefix entries apart in one cache.
const TOTAL_TAG: u128 = 1;
const TURN_TAG: u128 = 2;

/// Counts tokens exactly as the trainer will see them: the model's `tokenizer.json` applied
/// to the text its chat template renders.
///
/// # What is counted
///
/// The trainer (`brightrun-trainer`) computes the same numbers the same way; this is the
/// definition both implement.
///
/// * `render(messages, add_generation_prompt)` is the chat template of
///   `tokenizer_config.json` (or the `chat_template.jinja` beside it) applied to the messages
///   as `{role, content}` dicts, like `tokenizer.apply_chat_template(messages, tokenize=False,
///   add_generation_prompt=...)`. Without a template it is [`CHATML_TEMPLATE`].
/// * `tokens(text)` is `len(tokenizer.encode(text, add_special_tokens=False))`: the template
///   writes every special token the model reads, nothing is added around it. Truncation,
///   padding and BPE dropout configured in `tokenizer.json` are ignored.
/// * `total = tokens(render(messages, add_generation_prompt=False))`.
/// * `trainable` is the sum, over every message `i` whose role is `assistant`, of
///   `tokens(F) - tokens(P)` where `F = render(messages[:i+1], add_generation_prompt=False)`
///   and `P = render(messages[:i], add_generation_prompt=True)`: the assistant's content and
///   its end-of-turn marker, as the loss sees them. The difference is floored at 0.
///   If `P` is not a prefix of `F` (a template that renders earlier turns differently once a
///   later one exists), that turn counts `tokens(F[len(os.path.commonprefix([F, P])):])`:
///   the text `F` adds after the longest common prefix, encoded on its own.
///
/// # How it is fast
///
/// `tokenizers` cuts its input on added tokens (the chat markers) before anything else and
/// tokenizes each piece between them on its own, so `tokens(text)` is the number of added
/// tokens plus the sum of the pieces' counts. A piece is counted alone when it starts the
/// text, and behind an added token otherwise, so that a pre-tokenizer that treats the start
/// of the input apart (Metaspace with `prepend_scheme: first`) sees it as in place. Pieces
/// are counted once and remembered by a 128-bit hash of their text, so a system prompt or a
/// history repeated on every line of a v4 file is tokenized once. The counts of each
/// conversation prefix (the total, and each assistant turn's trainable count) are remembered
/// by a hash of the messages up to there: a v4 line that repeats the previous line's turns
/// renders only its new turn. Both caches are bounded and shared by all threads.
///
/// A piece seen for the first time is, where the pre-tokenizer allows it (the ByteLevel
/// regex of GPT-2, the Split regexes of Llama 3 and Qwen 2, a splitting Metaspace), cut into
/// words at places where the pre-tokenizer always cuts (a space between two characters that
/// are not whitespace; for the regexes, also after a lone newline), and each word is counted
/// once and remembered the same way: new text made of known words costs lookups, not
/// encodes. [`HfTokenCounter::cuts_words`] says whether it does.
///
/// Where the tokenizer's configuration makes piece-wise counting unsafe (an added token with
/// `single_word`, or none that can stand before a piece), every rendered text is encoded
/// whole; [`HfTokenCounter::is_piecewise`] says which. A counter built with
/// [`HfTokenCounter::with_cache_capacity`]`(0)` encodes every rendered text whole and caches
/// nothing: the reference the tests compare against.
pub struct HfTokenCounter {
    name: String,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    splitter: Option<PieceSplitter>,
    cuts: Option<Cuts>,
    keys: KeyHasher,
    pieces: CountCache,
    words: CountCache,
    turns: CountCache,
}

/// How often the caches of an [`HfTokenCounter`] answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CacheStats {
    /// Lookups of the text between added tokens.
    pub pieces: CacheCounters,
    /// Lookups of the words new pieces are cut into (kept apart, so that a stream of new
    /// pieces does not push out the words they are made of).
    pub words: CacheCounters,
    /// Lookups of a conversation prefix's counts (a total, or one assistant turn).
    pub turns: CacheCounters,
}

impl HfTokenCounter {
    /// Loads the files [`super::resolve_tokenizer`] found.
    pub fn from_files(files: &TokenizerFiles) -> Result<Self, TokenizerError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map_err(|e| load_error(&files.name, format!("cannot read {}: {e}", path.display())))
        };
        let tokenizer_json = read(&files.tokenizer_json)?;
        let config = files.tokenizer_config.as_deref().map(read).transpose()?;
        let chat_template = files.chat_template.as_deref().map(read).transpose()?;
        Self::from_json(&files.name, &tokenizer_json, config.as_deref(), chat_template.as_deref())
    }

    /// Builds a counter from the text of `tokenizer.json`, of `tokenizer_config.json` when
    /// there is one, and of a chat template that takes precedence over the configuration's
    /// (the `chat_template.jinja` file of recent models). `name` is the model id or path the
    /// files came from; the counter is named `hf:{name}`.
    pub fn from_json(
        name: &str,
        tokenizer_json: &str,
        tokenizer_config_json: Option<&str>,
        chat_template: Option<&str>,
    ) -> Result<Self, TokenizerError> {
        let mut tokenizer = Tokenizer::from_str(tokenizer_json)
            .map_err(|e| load_error(name, format!("tokenizer.json is not a tokenizer: {e}")))?;
        // Count every token: the trainer's maximum length is checked separately.
        tokenizer.with_truncation(None).map_err(|e| load_error(name, format!("cannot disable truncation: {e}")))?;
        tokenizer.with_padding(None);
        if let ModelWrapper::BPE(bpe) = tokenizer.get_model()
            && bpe.dropout.is_some()
        {
            // Dropout is a training-time augmentation; counts use the deterministic merges.
            let mut bpe = bpe.clone();
            bpe.dropout = None;
            tokenizer.with_model(bpe);
        }
        let config = tokenizer_config_json
            .map(TemplateConfig::from_tokenizer_config)
            .transpose()
            .map_err(|reason| load_error(name, reason))?
            .unwrap_or_default();
        let source = chat_template.or(config.template.as_deref()).unwrap_or(CHATML_TEMPLATE);
        let template = ChatTemplate::new(source, &config.special_tokens, Local::now())
            .map_err(|reason| load_error(name, reason))?;
        let splitter = match PieceSplitter::new(&tokenizer) {
            Ok(splitter) => Some(splitter),
            Err(why) => {
                tracing::debug!(tokenizer = name, %why, "counting whole rendered texts, not pieces");
                None
            }
        };
        let cuts = match words::check(&tokenizer) {
            Ok(cuts) => Some(cuts),
            Err(why) => {
                tracing::debug!(tokenizer = name, %why, "counting pieces whole, not word by word");
                None
            }
        };
        Ok(Self {
            name: format!("hf:{name}"),
            tokenizer,
            template,
            splitter,
            cuts,
            keys: KeyHasher::new(),
            pieces: CountCache::new(DEFAULT_CACHE_CAPACITY),
            words: CountCache::new(DEFAULT_CACHE_CAPACITY),
            turns: CountCache::new(DEFAULT_CACHE_CAPACITY / 4),
        })
    }

    /// The same counter remembering about `capacity` pieces of text, as many words, and a
    /// quarter as many conversation prefixes. 0 turns the caches off: every rendered text is then encoded
    /// whole, the slow reference the cached counts equal.
    pub fn with_cache_capacity(mut self, capacity: usize) -> Self {
        self.pieces = CountCache::new(capacity);
        self.words = CountCache::new(capacity);
        self.turns = CountCache::new(capacity / 4);
        self
    }

    /// Whether texts are counted piece by piece between added tokens (with the cache), or
    /// encoded whole because this tokenizer's configuration makes pieces unsafe or the cache
    /// is off.
    pub fn is_piecewise(&self) -> bool {
        self.splitter.is_some() && self.pieces.is_enabled()
    }

    /// Whether new pieces are cut into words counted one by one (see the type's
    /// documentation); only when [`HfTokenCounter::is_piecewise`] too.
    pub fn cuts_words(&self) -> bool {
        self.cuts.is_some() && self.is_piecewise()
    }

    /// How often the caches answered since the counter was built.
    pub fn cache_stats(&self) -> CacheStats {
        CacheStats { pieces: self.pieces.counters(), words: self.words.counters(), turns: self.turns.counters() }
    }

    /// The text the trainer reads for `messages`: `render(messages, add_generation_prompt)`
    /// of the definition.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String, TokenizerError> {
        self.template.render(&ChatTemplate::messages(messages), add_generation_prompt)
    }

    /// `tokens(text)` of the definition: the number of ids of
    /// `encode(text, add_special_tokens=False)`.
    pub fn count_text(&self, text: &str) -> Result<u64, TokenizerError> {
        match &self.splitter {
            Some(splitter) if self.pieces.is_enabled() && !text.is_empty() => {
                let mut tokens = 0;
                splitter.split(text, |segment| {
                    tokens += match segment {
                        Segment::Added => 1,
                        Segment::Piece { text, at_start } => self.count_piece(splitter, text, at_start)?,
                    };
                    Ok::<_, TokenizerError>(())
                })?;
                Ok(tokens)
            }
            _ => self.encode_len(text),
        }
    }

    /// The count of a piece, remembered; a new piece is counted word by word where that is
    /// allowed, each word remembered in the word cache (a word counts as a piece would).
    fn count_piece(&self, splitter: &PieceSplitter, piece: &str, at_start: bool) -> Result<u64, TokenizerError> {
        self.pieces.get_or_try_insert(self.keys.key(&(at_start, piece)), || {
            let Some(cuts) = self.cuts.filter(|_| piece.len() >= MIN_CUT_BYTES) else {
                return self.encode_piece(splitter, piece, at_start);
            };
            let mut tokens = 0;
            for (index, word) in cuts.words(piece).enumerate() {
                let first = at_start && index == 0;
                tokens += self
                    .words
                    .get_or_try_insert(self.keys.key(&(first, word)), || self.encode_piece(splitter, word, first))?;
            }
            Ok(tokens)
        })
    }

    /// Encodes a piece as it counts in its place: alone when it starts the input, else
    /// after the splitter's anchor token (one token less).
    fn encode_piece(&self, splitter: &PieceSplitter, piece: &str, at_start: bool) -> Result<u64, TokenizerError> {
        if at_start {
            self.encode_len(piece)
        } else {
            Ok(self.encode_len(&splitter.in_context(piece))?.saturating_sub(1))
        }
    }

    fn encode_len(&self, text: &str) -> Result<u64, TokenizerError> {
        let encoding =
            self.tokenizer.encode_fast(text, false).map_err(|e| TokenizerError::Encode { reason: e.to_string() })?;
        Ok(encoding.len() as u64)
    }

    /// Keys of every prefix of `messages`: `keys[j]` stands for `messages[..j]`. Empty when
    /// the prefix cache is off.
    fn prefix_keys(&self, messages: &[Message]) -> Vec<u128> {
        if !self.turns.is_enabled() {
            return Vec::new();
        }
        let mut rolling = self.keys.rolling();
        let mut keys = Vec::with_capacity(messages.len() + 1);
        keys.push(rolling.key());
        for message in messages {
            rolling.feed(&message.role);
            rolling.feed(message.content.as_str());
            keys.push(rolling.key());
        }
        keys
    }

    fn cached_turn(
        &self,
        key: Option<u128>,
        compute: impl FnOnce() -> Result<u64, TokenizerError>,
    ) -> Result<u64, TokenizerError> {
        match key {
            Some(key) => self.turns.get_or_try_insert(key, compute),
            None => compute(),
        }
    }

    /// The trainable tokens of one assistant turn, from `F` (the conversation through the
    /// turn) and `P` (the conversation before it, with the generation prompt).
    fn turn_tokens(&self, through: &str, before: &str) -> Result<u64, TokenizerError> {
        if through.starts_with(before) {
            Ok(self.count_text(through)?.saturating_sub(self.count_text(before)?))
        } else {
            self.count_text(&through[common_prefix_len(through, before)..])
        }
    }
}

/// Length in bytes of the longest common prefix of `a` and `b`, on a character boundary.
fn common_prefix_len(a: &str, b: &str) -> usize {
    a.char_indices().zip(b.chars()).find(|((_, x), y)| x != y).map_or_else(|| a.len().min(b.len()), |((i, _), _)| i)
}

fn load_error(name: &str, reason: String) -> TokenizerError {
    TokenizerError::Load { source_name: name.to_owned(), reason }
}

impl TokenCounter for HfTokenCounter {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_exact(&self) -> bool {
        true
    }

    fn count(&self, messages: &[Message]) -> Result<TokenCount, TokenizerError> {
        let values: Vec<Value> = ChatTemplate::messages(messages);
        let keys = self.prefix_keys(messages);
        let n = messages.len();
        let mut full_text = None;
        let total = self.cached_turn(keys.get(n).map(|k| k ^ TOTAL_TAG), || {
            let text = self.template.render(&values, false)?;
            let tokens = self.count_text(&text)?;
            full_text = Some(text);
            Ok(tokens)
        })?;
        let mut trainable = 0;
        for (i, message) in messages.iter().enumerate() {
            if !message.is_trained() {
                continue;
            }
            trainable += self.cached_turn(keys.get(i + 1).map(|k| k ^ TURN_TAG), || {
                let through = match &full_text {
                    Some(text) if i + 1 == n => Cow::Borrowed(text.as_str()),
                    _ => Cow::Owned(self.template.render(&values[..=i], false)?),
                };
                let before = self.template.render(&values[..i], true)?;
                self.turn_tokens(&through, &before)
            })?;
        }
        Ok(TokenCount { total, trainable })
    }
}

impl fmt::Debug for HfTokenCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HfTokenCounter")
            .field("name", &self.name)
            .field("piecewise", &self.is_piecewise())
            .field("cuts_words", &self.cuts_words())
            .field("cache", &self.cache_stats())
            .finish_non_exhaustive()
    }
}
