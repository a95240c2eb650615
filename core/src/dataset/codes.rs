//! Every rule of the validator: its stable code, its severity and its default suggestion.
//!
//! Codes never change meaning once released: hosts count them, filter on them and translate
//! them. The list below is the whole vocabulary of [`ValidationFinding::code`].
//!
//! [`ValidationFinding::code`]: crate::model::ValidationFinding::code

use crate::model::Severity;

/// Declares [`RuleCode`] with its table of codes, severities and suggestions in one place.
macro_rules! rule_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $severity:ident, $suggestion:literal;)+) => {
        /// The rule a finding comes from.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleCode {
            $($(#[$doc])* $variant),+
        }

        impl RuleCode {
            /// Every rule, in the order of this table.
            pub const ALL: [RuleCode; [$($code),+].len()] = [$(RuleCode::$variant),+];

            /// The stable snake_case code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $code),+
                }
            }

            /// How serious a finding of this rule is.
            pub const fn severity(self) -> Severity {
                match self {
                    $(RuleCode::$variant => Severity::$severity),+
                }
            }

            /// What to do about a finding of this rule.
            pub const fn suggestion(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $suggestion),+
                }
            }
        }
    };
}

rule_codes! {
    /// The file holds nothing but whitespace.
    EmptyFile => "empty_file", Error,
        "upload the dataset file itself: one JSON record per line";
    /// The file is one JSON array of records instead of JSON Lines: read as such, worth
    /// knowing for trainers that read JSON Lines only.
    JsonArrayNotJsonl => "json_array_not_jsonl", Info,
        "nothing to fix for BrightRun; for a trainer that reads JSON Lines only (OpenAI's fine-tuning API), \
         write one record per line: `jq -c '.[]' data.json > data.jsonl`";
    /// The file is one pretty-printed JSON document instead of JSON Lines.
    JsonDocumentNotJsonl => "json_document_not_jsonl", Error,
        "write one compact record per line (JSON Lines), e.g. `jq -c . data.json > data.jsonl`";
    /// A line longer than the configured maximum; it was skipped.
    LineTooLong => "line_too_long", Error,
        "check that records are separated by newlines; split very long conversations";
    /// A table's row that cannot be a record: a CSV row with more or fewer cells than the
    /// header row has columns, or a structured column (`messages`, ...) whose cell is not JSON.
    MalformedRow => "malformed_row", Error,
        "give every row one cell per column, quote cells holding the delimiter or line breaks, and write structured columns (messages, conversations, turns) as JSON text";
    /// A line that is not valid UTF-8.
    InvalidUtf8 => "invalid_utf8", Error,
        "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`, or `-f utf-16` for a UTF-16 file)";
    /// A line that is not valid JSON.
    InvalidJson => "invalid_json", Error,
        "fix the JSON syntax at the given column (quotes, commas, brackets, escapes)";
    /// An object with the same key twice.
    DuplicateKey => "duplicate_key", Error,
        "keep one value per key: readers disagree about which duplicate wins";
    /// A record that is not a JSON object.
    NotAnObject => "not_an_object", Error,
        "write each record as a JSON object `{...}` on its own line";
    /// A record of no format BrightRun reads, in a file whose format could not be recognised.
    UnknownFormat => "unknown_format", Error,
        "give each record the keys of one format (the message names the closest and what it lacks), or force \
         that format with `--format`; a chat record is `{\"messages\": [{\"role\": \"user\", \"content\": \
         \"...\"}, {\"role\": \"assistant\", \"content\": \"...\"}]}`";
    /// A record of another format than the file's.
    FormatMismatch => "format_mismatch", Error,
        "use one format for the whole file; convert the other records or split the file";
    /// A required field is absent.
    MissingField => "missing_field", Error,
        "add the field; see the format's documentation for its shape";
    /// A field holds the wrong JSON type.
    WrongType => "wrong_type", Error,
        "give the field the documented JSON type";
    /// A conversation without any message.
    EmptyConversation => "empty_conversation", Error,
        "add the conversation's messages or remove the record";
    /// A message whose content is empty or only whitespace.
    EmptyContent => "empty_content", Error,
        "write the message's text, or remove the message";
    /// A role other than system, user or assistant.
    UnknownRole => "unknown_role", Error,
        "use `system`, `user` or `assistant` (e.g. human -> user, gpt/bot/model -> assistant)";
    /// Tool calling BrightRun does not read: OpenAI's legacy function calling (`functions`,
    /// `function_call`, `function` messages) in any format, and tool calls in formats other
    /// than chat, prompt/completion of messages and ShareGPT.
    ToolUseUnsupported => "tool_use_unsupported", Error,
        "write tool calling in chat records, as OpenAI's current form: `tools` \
         (`{\"type\": \"function\", \"function\": {...}}`), assistant `tool_calls` and `tool` messages with \
         `tool_call_id`; or write the exchange as plain user and assistant text";
    /// A `tools` entry that is not `{"type": "function", "function": {"name", "description"?,
    /// "parameters"?}}`, or a second tool of the same name.
    InvalidToolDefinition => "invalid_tool_definition", Error,
        "define each tool once as `{\"type\": \"function\", \"function\": {\"name\": \"...\", \"description\": \
         \"...\", \"parameters\": {...JSON schema...}}}`";
    /// A tool call that is not `{"id", "type": "function", "function": {"name", "arguments"}}`.
    InvalidToolCall => "invalid_tool_call", Error,
        "write each call as `{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"...\", \
         \"arguments\": \"{...}\"}}`";
    /// A tool call whose `arguments` are not a JSON object (nor a string holding one).
    ToolArgumentsNotObject => "tool_arguments_not_object", Error,
        "write `arguments` as a string holding a JSON object, as OpenAI does (`\"{\\\"city\\\": \\\"Paris\\\"}\"`), \
         or as the object itself";
    /// A call to a function that is not in the record's `tools`.
    UnknownTool => "unknown_tool", Error,
        "add the function to the record's `tools`, or fix the name the call uses";
    /// Two tool calls of one conversation with the same id.
    DuplicateToolCallId => "duplicate_tool_call_id", Error,
        "give every tool call of a conversation its own `id`";
    /// A `tool` message that answers no earlier call of the conversation: by its
    /// `tool_call_id`, or (without one) by its place after the calls, or by its `name`.
    UnknownToolCallId => "unknown_tool_call_id", Error,
        "set `tool_call_id` to the `id` of the assistant's call this result answers, and put the result after that call \
         (without ids, the results follow their calls in order)";
    /// A tool call that no `tool` message answers before the conversation goes on with a user
    /// or assistant message.
    UnansweredToolCall => "unanswered_tool_call", Warning,
        "add a `tool` message with each call's result (its `tool_call_id` the call's `id`) right after the assistant \
         message that makes the call";
    /// `tool_calls` on a message that is not the assistant's, or `tool_call_id` on one that
    /// is not a `tool` message.
    MisplacedToolField => "misplaced_tool_field", Error,
        "put `tool_calls` on assistant messages and `tool_call_id` on `tool` messages only";
    /// A conversation with tools that the base model's chat template does not render: it
    /// never prints the tools or the calls, or it refuses them.
    ToolsUnsupportedByTemplate => "tools_unsupported_by_template", Error,
        "train a base model whose chat template renders tools (Qwen2.5, Llama 3.1 or later, Mistral with tool \
         support, Hermes), or write the exchange as plain text";
    /// A conversation whose assistant messages carry reasoning (`reasoning_content`) that the
    /// base model's chat template does not print: trained on, the answers would be learnt
    /// without it.
    ReasoningUnsupportedByTemplate => "reasoning_unsupported_by_template", Error,
        "train a base model whose chat template prints `reasoning_content` (Qwen3, DeepSeek-R1 distills), or write \
         the reasoning into the answer's content as the model should produce it";
    /// A message whose content is a list of parts that are not all text parts (images, audio,
    /// files, or parts without a string `text`): BrightRun trains on text only.
    ContentPartsUnsupported => "content_parts_unsupported", Error,
        "keep the text: remove the image, audio and file parts (they cannot be trained on) and give each text \
         part a string `text`, or write the content as one string";
    /// A message key BrightRun does not read: its value is not trained on.
    UnknownMessageKey => "unknown_message_key", Warning,
        "remove the key, or move what the model should see into `content`";
    /// A system message that is not the first message, or a second one.
    MisplacedSystemMessage => "misplaced_system_message", Error,
        "keep a single system message, first; merge the others into it";
    /// A conversation with no assistant message to learn from.
    NoAssistantMessage => "no_assistant_message", Error,
        "add the assistant's reply: the adapter only learns from assistant messages";
    /// The conversation ends with a message the adapter does not learn from.
    LastMessageNotAssistant => "last_message_not_assistant", Warning,
        "end the conversation with the assistant's reply, or drop the trailing messages";
    /// The first message after the system prompt is the assistant's.
    AssistantFirst => "assistant_first", Warning,
        "add the user turn that prompted it, or drop the leading assistant message; templates that \
         need a user turn first (Mistral, Llama 2) are given an empty one before it";
    /// Two messages of the same role in a row.
    ConsecutiveSameRole => "consecutive_same_role", Warning,
        "merge the two messages: several chat templates (Mistral, Llama 2) require alternating roles";
    /// Control characters other than newline, tab and carriage return.
    ControlCharacters => "control_characters", Warning,
        "remove the control characters; they are usually copy-paste or encoding debris";
    /// A v4 pair whose `target_response` is null: a user turn, counted but not trained on.
    UserTurn => "user_turn", Info,
        "nothing to fix: the pair is kept as context and not trained on";
    /// A v4 history whose last user turn differs from `current_user_input`.
    HistoryMismatch => "history_mismatch", Warning,
        "make the history's last user turn the current input, or end the history before it";
    /// A v4 `turn_number` that is not an integer of at least 1.
    InvalidTurnNumber => "invalid_turn_number", Error,
        "number the turns of each conversation 1, 2, 3, ...";
    /// A v4 conversation whose turn numbers skip or repeat.
    TurnNumberGap => "turn_number_gap", Warning,
        "check for missing or reordered pairs of this conversation";
    /// `_meta.total_pairs` disagrees with the pairs in the file.
    MetaTotalPairsMismatch => "meta_total_pairs_mismatch", Warning,
        "regenerate the metadata, or check whether pairs were lost in the export";
    /// A `_meta` record that is not the first record, or a second one.
    MisplacedMeta => "misplaced_meta", Warning,
        "keep one `_meta` record, on the first line";
    /// A `weight` other than 0 or 1.
    InvalidWeight => "invalid_weight", Error,
        "set `weight` to 1 (train on it) or 0 (do not)";
    /// A record labelled `false` (prompt/completion, chat, ShareGPT, Alpaca): an undesirable
    /// answer of unpaired preference data (KTO), which supervised training would learn.
    UndesirableCompletion => "undesirable_completion", Error,
        "remove the records labelled `false` (and the `label` key): supervised training learns every answer it \
         is given; train on preference data with a preference method instead";
    /// A conversation record (chat, ShareGPT) of paired preference data: `chosen` and
    /// `rejected` beside a conversation that waits for its answer, which would be left out.
    PreferencePair => "preference_pair", Error,
        "append `chosen` to the conversation as its last assistant turn and remove `chosen` and `rejected`: \
         supervised training learns the conversation as written; train on preference data with a preference \
         method instead";
    /// A `weight` other than 0 on a system or user message: only assistant messages are
    /// trained on.
    MisplacedWeight => "misplaced_weight", Error,
        "remove `weight` from system and user messages, and from the messages of a prompt, or make it 0: they are never trained on";
    /// A conversation whose every assistant message has `weight: 0`: nothing to learn.
    AllWeightsZero => "all_weights_zero", Warning,
        "set `weight` to 1 on the replies to learn from, or remove the conversation";
    /// A `split` other than train or validation.
    InvalidSplit => "invalid_split", Error,
        "set `split` to `train` or `validation`";
    /// The same conversation twice in the same split.
    DuplicateConversation => "duplicate_conversation", Warning,
        "remove the copy unless the repetition is intended: duplicates are learnt twice";
    /// The same conversation in the train and the validation split.
    TrainValidationOverlap => "train_validation_overlap", Warning,
        "keep each conversation in one split: overlap makes the validation loss optimistic";
    /// The conversation could not be tokenized.
    TokenCountFailed => "token_count_failed", Error,
        "check the conversation against the model's chat template";
    /// A conversation longer than the maximum sequence length: it will be truncated.
    ExceedsMaxSeqLen => "exceeds_max_seq_len", Warning,
        "shorten or split the conversation, or raise max_seq_len";
    /// A plain-text record whose `text` is empty or only whitespace.
    EmptyText => "empty_text", Error,
        "write the document's text, or remove the record";
    /// A plain-text record longer than the maximum sequence length: trained on as several
    /// windows of max_seq_len tokens, nothing dropped.
    TextSplitIntoWindows => "text_split_into_windows", Info,
        "nothing to fix: every token is trained on, in windows of max_seq_len; split the document at \
         natural boundaries, or raise max_seq_len, to keep more context in one window";
    /// Fewer training examples than the configured minimum.
    TooFewExamples => "too_few_examples", Error,
        "add training examples: a LoRA needs at least a few dozen to learn a behaviour";
}

impl RuleCode {
    /// How many rules there are.
    pub const COUNT: usize = Self::ALL.len();

    /// The rule's position in [`RuleCode::ALL`], for per-code tables.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The rule named `code`, if any.
    pub fn from_code(code: &str) -> Option<RuleCode> {
        Self::ALL.into_iter().find(|rule| rule.as_str() == code)
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_with_a_suggestion() {
        let mut seen = std::collections::HashSet::new();
        for (i, rule) in RuleCode::ALL.into_iter().enumerate() {
            assert_eq!(rule.index(), i);
            let code = rule.as_str();
            assert!(seen.insert(code), "{code} twice");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()), "{code}");
            assert!(!rule.suggestion().is_empty(), "{code}");
            assert_eq!(RuleCode::from_code(code), Some(rule));
        }
        assert_eq!(RuleCode::from_code("nope"), None);
    }

    #[test]
    fn the_user_documentation_lists_every_code_with_its_severity_in_this_order() {
        let docs = include_str!("../../../docs/formats.md");
        let table = docs.split("## Every finding code").nth(1).expect("docs/formats.md has the table of codes");
        let documented: Vec<(&str, &str)> = table
            .lines()
            .filter_map(|line| {
                let mut cells = line.strip_prefix("| `")?.split(" | ");
                Some((cells.next()?.strip_suffix('`')?, cells.next()?))
            })
            .collect();
        let codes: Vec<(&str, &str)> = RuleCode::ALL.iter().map(|c| (c.as_str(), c.severity().as_str())).collect();
        assert_eq!(documented, codes);
    }
}
