//! The exact token counter: a Hugging Face `tokenizer.json` and the model's chat template.
//! What it counts, and how, is documented on [`HfTokenCounter`].

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Local;
use serde::Serialize;
use tokenizers::{ModelWrapper, Tokenizer};

use super::cache::{CacheCounters, CountCache, KeyHasher};
use super::engine::PieceEngine;
use super::pieces::PieceSplitter;
use super::render::Renderer;
use super::resolve::TokenizerFiles;
use super::template::{CHATML_TEMPLATE, ChatTemplate, TemplateConfig};
use super::walk::TextCounter;
use super::words;
use super::{TokenCount, TokenCounter, TokenizerError};
use crate::dataset::conversation::{Message, Role, Tool, document_text};

/// Pieces of text (and words) remembered by default: about 40 bytes each, some 10 MB in
/// all for each of the two caches.
pub const DEFAULT_CACHE_CAPACITY: usize = 1 << 18;

/// Tags that keep the two kinds of per-prefix entries apart in one cache.
const TOTAL_TAG: u128 = 1;
const TURN_TAG: u128 = 2;

/// Counts tokens exactly as the trainer will see them: the model's `tokenizer.json` applied
/// to the text its chat template renders (or to a plain-text document).
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
/// * `trainable` is the sum, over every assistant message `i` that is trained on (every
///   one but those of weight 0), of
///   `tokens(F) - tokens(P)` where `F = render(messages[:i+1], add_generation_prompt=False)`
///   and `P = render(messages[:i], add_generation_prompt=True)`: the assistant's content and
///   its end-of-turn marker, as the loss sees them. The difference is floored at 0.
///   If `P` is not a prefix of `F` (a template that renders earlier turns differently once a
///   later one exists), that turn counts `tokens(F[len(os.path.commonprefix([F, P])):])`:
///   the text `F` adds after the longest common prefix, encoded on its own.
/// * A plain-text document (one [`Role::Text`](crate::dataset::conversation::Role::Text) message) is read
///   without a chat template: `encode(text, add_special_tokens=True)` (the tokens the
///   tokenizer's post-processor adds, such as Llama's BOS, around the text), then the EOS
///   token of `tokenizer_config.json` unless the post-processor already ends with it, so
///   that documents do not run into each other. `total = trainable` = that length: every
///   token is trained on (a longer text than `max_seq_len` is trained in windows of it).
///
/// # How it is fast
///
/// *One pass a conversation.* Where `F` and `P` of a turn are prefixes of the whole text
/// (every template that renders turns one after the other), their counts come out of the one
/// pass that counts the whole text (see [`super::walk`]). BrightRun's own [`CHATML_TEMPLATE`]
/// is written by concatenation, without the template engine: it only concatenates.
///
/// *Pieces.* `tokenizers` cuts its input on added tokens (the chat markers) before anything
/// else and tokenizes each piece between them on its own, so `tokens(text)` is the number
/// of added tokens plus the sum of the pieces' counts. Pieces are counted once and
/// remembered by a 128-bit hash of their text (and of whether they start the text, which a
/// Metaspace pre-tokenizer with `prepend_scheme: first` treats apart), so a system prompt or
/// a history repeated on every line of a v4 file is tokenized once. The counts of each
/// conversation prefix (the total, and each assistant turn's trainable count) are
/// remembered by a hash of the messages up to there: a v4 line that repeats the previous
/// line's turns renders only its new turn. Caches are bounded and shared by all threads.
///
/// *Words.* A long new piece is, where the pre-tokenizer allows it (see [`super::words`]:
/// the regexes of GPT-2, Llama 3, Qwen 2, o200k and Tekken, a splitting Metaspace), cut into
/// words at places where the pre-tokenizer always cuts, and each word is counted once and
/// remembered: new text made of known words costs lookups, not encodes.
/// [`HfTokenCounter::cuts_words`] says whether it does.
///
/// *Byte-level BPE without `tokenizers`.* For byte-level BPE tokenizers (GPT-2, Llama 3,
/// Qwen 2, cl100k and o200k as `tokenizer.json`, Tekken) pieces and words are counted by
/// this crate's own pre-tokenizer and merges, which reproduce `tokenizers` exactly (see
/// [`super::byte_level`]); [`HfTokenCounter::is_byte_level`] says whether it does. Other
/// tokenizers (SentencePiece conversions such as Mistral's and Llama 2's) are counted by
/// `tokenizers`: a piece that does not start the text is encoded behind an added token of
/// the tokenizer (or a private one, when it has none that can stand there).
///
/// Where the tokenizer's configuration makes piece-wise counting unsafe (an added token with
/// `single_word`), every rendered text is encoded whole;
/// [`HfTokenCounter::is_piecewise`] says which. A counter built with
/// [`HfTokenCounter::with_cache_capacity`]`(0)` encodes every rendered text whole with
/// `tokenizers` and caches nothing: the reference the tests compare against.
pub struct HfTokenCounter {
    name: String,
    /// Tokens a plain-text document adds to its text (see [`HfTokenCounter::document_ends`]).
    document_ends: u64,
    renderer: Renderer,
    text: TextCounter,
    turns: CountCache,
    /// Whether the template renders every conversation's prefixes as prefixes of its whole
    /// text, as far as seen: only then does a turn's count depend on the conversation up to
    /// it alone, and may be remembered for the next conversation that shares that prefix.
    /// Qwen3's does not (the last answer gets a `<think>` block the earlier ones lose).
    prefix_stable: AtomicBool,
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
        let engine =
            PieceEngine::new(name, &tokenizer, tokenizer_json, splitter.as_ref().and_then(PieceSplitter::anchor));
        let document_ends = document_ends(&tokenizer, &config).map_err(|reason| load_error(name, reason))?;
        let renderer = Renderer::new(template, source);
        let prefix_stable = AtomicBool::new(renders_prefixes_as_prefixes(&renderer));
        Ok(Self {
            name: format!("hf:{name}"),
            document_ends,
            renderer,
            prefix_stable,
            text: TextCounter {
                tokenizer,
                splitter,
                engine,
                cuts,
                keys: KeyHasher::new(),
                pieces: CountCache::new(DEFAULT_CACHE_CAPACITY),
                words: CountCache::new(DEFAULT_CACHE_CAPACITY),
            },
            turns: CountCache::new(DEFAULT_CACHE_CAPACITY / 4),
        })
    }

    /// The same counter remembering about `capacity` pieces of text, as many words, and a
    /// quarter as many conversation prefixes. 0 turns the caches off: every rendered text
    /// is then encoded whole by `tokenizers`, the slow reference the cached counts equal.
    pub fn with_cache_capacity(mut self, capacity: usize) -> Self {
        self.text.pieces = CountCache::new(capacity);
        self.text.words = CountCache::new(capacity);
        self.turns = CountCache::new(capacity / 4);
        self
    }

    /// Whether texts are counted piece by piece between added tokens (with the cache), or
    /// encoded whole because this tokenizer's configuration makes pieces unsafe or the cache
    /// is off.
    pub fn is_piecewise(&self) -> bool {
        self.text.is_piecewise()
    }

    /// Whether new pieces are cut into words counted one by one (see the type's
    /// documentation); only when [`HfTokenCounter::is_piecewise`] too.
    pub fn cuts_words(&self) -> bool {
        self.text.cuts.is_some() && self.is_piecewise()
    }

    /// Whether pieces are counted by BrightRun's byte-level BPE rather than by `tokenizers`
    /// (see the type's documentation); only when [`HfTokenCounter::is_piecewise`] too.
    pub fn is_byte_level(&self) -> bool {
        self.text.engine.is_byte_level() && self.is_piecewise()
    }

    /// How often the caches answered since the counter was built.
    pub fn cache_stats(&self) -> CacheStats {
        CacheStats {
            pieces: self.text.pieces.counters(),
            words: self.text.words.counters(),
            turns: self.turns.counters(),
        }
    }

    /// The text the trainer reads for `messages`: `render(messages, add_generation_prompt)`
    /// of the definition.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String, TokenizerError> {
        self.renderer.render(messages, None, add_generation_prompt)
    }

    /// The text the trainer reads for `messages` given `tools`: `apply_chat_template(messages,
    /// tools=tools, add_generation_prompt=...)`.
    pub fn render_with_tools(
        &self,
        messages: &[Message],
        tools: Option<&[Tool]>,
        add_generation_prompt: bool,
    ) -> Result<String, TokenizerError> {
        self.renderer.render(messages, tools, add_generation_prompt)
    }

    /// Checks that the chat template prints what a conversation with tools holds: the tool
    /// definitions, the calls and the results; a template that never reads them (its text
    /// is the same without them) or that refuses them cannot train on them.
    fn check_renders_tools(&self, messages: &[Message], tools: Option<&[Tool]>) -> Result<(), TokenizerError> {
        let unsupported = |why: String| TokenizerError::ToolsUnsupported { tokenizer: self.name.clone(), reason: why };
        if !self.renderer.prints_extras() {
            return Err(unsupported(
                "its chat template is BrightRun's default ChatML, which prints only each message's content".to_owned(),
            ));
        }
        let render = |messages: &[Message], tools: Option<&[Tool]>| {
            self.renderer.render(messages, tools, false).map_err(|error| match error {
                TokenizerError::Template { reason } => unsupported(format!("its chat template refuses them: {reason}")),
                other => other,
            })
        };
        let text = render(messages, tools)?;
        if tools.is_some_and(|tools| !tools.is_empty()) && render(messages, None)? == text {
            return Err(unsupported("its chat template never prints the `tools` definitions".to_owned()));
        }
        if messages.iter().any(|m| m.tool_calls.is_some()) {
            let without: Vec<Message> = messages.iter().map(|m| Message { tool_calls: None, ..m.clone() }).collect();
            if render(&without, tools)? == text {
                return Err(unsupported("its chat template never prints an assistant's `tool_calls`".to_owned()));
            }
        }
        Ok(())
    }

    /// Checks that the chat template prints the reasoning of a conversation's assistant
    /// messages: a template that never reads it (its text is the same without it) would
    /// train on the answers alone.
    fn check_renders_reasoning(&self, messages: &[Message], tools: Option<&[Tool]>) -> Result<(), TokenizerError> {
        let unsupported =
            |why: &str| TokenizerError::ReasoningUnsupported { tokenizer: self.name.clone(), reason: why.to_owned() };
        if !self.renderer.prints_extras() {
            return Err(unsupported(
                "its chat template is BrightRun's default ChatML, which prints only each message's content",
            ));
        }
        let without: Vec<Message> = messages.iter().map(|m| Message { reasoning_content: None, ..m.clone() }).collect();
        if self.renderer.render(&without, tools, false)? == self.renderer.render(messages, tools, false)? {
            return Err(unsupported("its chat template never prints an assistant's `reasoning_content` here"));
        }
        Ok(())
    }

    /// `tokens(text)` of the definition: the number of ids of
    /// `encode(text, add_special_tokens=False)`.
    pub fn count_text(&self, text: &str) -> Result<u64, TokenizerError> {
        self.text.count_text(text)
    }

    /// Tokens a plain-text document has besides those of its text: what the tokenizer's
    /// post-processor adds (`encode("", add_special_tokens=True)`), plus the EOS token
    /// unless that already ends with it (see the type's documentation).
    pub fn document_ends(&self) -> u64 {
        self.document_ends
    }

    /// Keys of every prefix of `messages`: `keys[j]` stands for `messages[..j]`. Empty when
    /// the prefix cache is off.
    fn prefix_keys(&self, messages: &[Message]) -> Vec<u128> {
        if !self.turns.is_enabled() {
            return Vec::new();
        }
        let mut rolling = self.text.keys.rolling();
        let mut keys = Vec::with_capacity(messages.len() + 1);
        keys.push(rolling.key());
        for message in messages {
            rolling.feed(&message.role);
            rolling.feed(message.content.as_str());
            // The one key besides these that a conversation counted here may carry: the name
            // given to the result of a call written in text.
            rolling.feed(&message.name);
            keys.push(rolling.key());
        }
        keys
    }

    /// Renders `messages` and counts the total and the trainable tokens of each turn of
    /// `missing` (indices of assistant messages), and whether a turn's place depends on
    /// what follows it ([`super::render::TurnSpan::placed`]).
    fn count_rendered(
        &self,
        messages: &[Message],
        tools: Option<&[Tool]>,
        missing: &[usize],
    ) -> Result<(u64, Vec<u64>, bool), TokenizerError> {
        let rendered = self.renderer.render_turns(messages, tools, missing)?;
        let mut prefixes: Vec<usize> = rendered.turns.iter().flat_map(|turn| [turn.before, turn.through]).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let (total, counts) = self.text.count_prefixes(&rendered.text, &prefixes)?;
        let at = |k: usize| counts[prefixes.binary_search(&k).unwrap_or_default()];
        let turns = rendered.turns.iter().map(|turn| at(turn.through).saturating_sub(at(turn.before))).collect();
        Ok((total, turns, rendered.turns.iter().any(|turn| turn.placed)))
    }
}

/// The tokens a document adds to its text: those of the post-processor, and the EOS token
/// (of `tokenizer_config.json`) unless the post-processor's end with it.
fn document_ends(tokenizer: &Tokenizer, config: &TemplateConfig) -> Result<u64, String> {
    let added = tokenizer.encode("", true).map_err(|e| format!("cannot encode an empty text: {e}"))?;
    let added = added.get_ids();
    let eos = config
        .special_tokens
        .iter()
        .find(|(name, _)| *name == "eos_token")
        .and_then(|(_, content)| tokenizer.token_to_id(content));
    let appended = eos.is_some_and(|eos| added.last() != Some(&eos));
    Ok(added.len() as u64 + u64::from(appended))
}

/// Whether `renderer` renders the prefixes of a conversation of two exchanges as prefixes of
/// its whole text (a template that refuses it is taken not to).
fn renders_prefixes_as_prefixes(renderer: &Renderer) -> bool {
    let probe = [
        Message::new(Role::User, "1"),
        Message::new(Role::Assistant, "2"),
        Message::new(Role::User, "3"),
        Message::new(Role::Assistant, "4"),
    ];
    renderer.render_turns(&probe, None, &[1, 3]).is_ok_and(|rendered| rendered.turns.iter().all(|turn| !turn.placed))
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
        if let Some(text) = document_text(messages) {
            let total = self.count_text(text)? + self.document_ends;
            return Ok(TokenCount { total, trainable: total });
        }
        // A template that renders prefixes otherwise is counted whole, conversation by
        // conversation: no count of a prefix is remembered.
        let stable = self.prefix_stable.load(Ordering::Relaxed);
        let keys = if stable { self.prefix_keys(messages) } else { Vec::new() };
        let cached = |key: Option<&u128>, tag: u128| key.and_then(|k| self.turns.lookup(k ^ tag));
        let trained: Vec<usize> = (0..messages.len()).filter(|&i| messages[i].is_trained()).collect();
        let total = cached(keys.get(messages.len()), TOTAL_TAG);
        let turns: Vec<Option<u64>> = trained.iter().map(|&i| cached(keys.get(i + 1), TURN_TAG)).collect();
        let missing: Vec<usize> = trained.iter().zip(&turns).filter(|(_, t)| t.is_none()).map(|(i, _)| *i).collect();
        if let Some(total) = total
            && missing.is_empty()
        {
            return Ok(TokenCount { total, trainable: turns.into_iter().flatten().sum() });
        }
        let (total, counted, placed) = self.count_rendered(messages, None, &missing)?;
        if placed && stable {
            // The first conversation seen to render a prefix otherwise: counts remembered
            // from others may not hold here; count it again, whole.
            self.prefix_stable.store(false, Ordering::Relaxed);
            if missing.len() < trained.len() {
                return self.count(messages);
            }
        }
        let store = |key: Option<&u128>, tag: u128, value: u64| {
            if let Some(key) = key {
                self.turns.insert(key ^ tag, value);
            }
        };
        if !placed {
            store(keys.get(messages.len()), TOTAL_TAG, total);
            for (&i, &tokens) in missing.iter().zip(&counted) {
                store(keys.get(i + 1), TURN_TAG, tokens);
            }
        }
        let known: u64 = turns.into_iter().flatten().sum();
        Ok(TokenCount { total, trainable: known + counted.iter().sum::<u64>() })
    }

    /// Conversations with tools or reasoning are rendered with them, whole (the caches of
    /// turns key on roles and contents alone), after checking that the template prints them.
    fn count_with_tools(&self, messages: &[Message], tools: Option<&[Tool]>) -> Result<TokenCount, TokenizerError> {
        let with_tools = tools.is_some_and(|tools| !tools.is_empty()) || messages.iter().any(Message::uses_tools);
        let with_reasoning = messages.iter().any(|m| m.reasoning_content.is_some());
        if !with_tools && !with_reasoning {
            return self.count(messages);
        }
        if with_tools {
            self.check_renders_tools(messages, tools)?;
        }
        if with_reasoning {
            self.check_renders_reasoning(messages, tools)?;
        }
        let trained: Vec<usize> = (0..messages.len()).filter(|&i| messages[i].is_trained()).collect();
        let (total, counted, _) = self.count_rendered(messages, tools, &trained)?;
        Ok(TokenCount { total, trainable: counted.iter().sum() })
    }
}

impl fmt::Debug for HfTokenCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HfTokenCounter")
            .field("name", &self.name)
            .field("piecewise", &self.is_piecewise())
            .field("cuts_words", &self.cuts_words())
            .field("byte_level", &self.is_byte_level())
            .field("cache", &self.cache_stats())
            .finish_non_exhaustive()
    }
}
