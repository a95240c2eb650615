//! The rules every canonical conversation must follow, whatever its file format.
//!
//! Format-specific rules (missing fields, v4 pairs, weights, splits) live with their format
//! in [`super::format`]; rules across records (duplicates, overlap, turn gaps, `_meta`) in
//! [`super::cross_record`]. Codes, severities and suggestions are listed in [`super::codes`].

use super::codes::RuleCode;
use super::conversation::{Role, leading_assistant};
use super::findings::FieldPath;
use super::format::{RecordCtx, Training, View};

/// Checks one conversation's messages: content, roles, order and its assistant target.
/// `whole` is false when the record already has errors (a malformed message may have been
/// left out of the view): the order of what remains is then not judged.
pub(crate) fn check_conversation(view: &View<'_>, whole: bool, ctx: &mut RecordCtx<'_, '_>) {
    let mut previous: Option<Role> = None;
    for (position, message) in view.messages.iter().enumerate() {
        let content = message.at.content();
        // An assistant message that calls tools may have no text.
        if message.content.trim().is_empty() && message.tool_calls().is_none() {
            ctx.report(RuleCode::EmptyContent, content, || format!("the {} message is empty", message.role));
        } else if let Some((at, c)) = first_control_character(&message.content) {
            ctx.report(RuleCode::ControlCharacters, content, || {
                format!("control character U+{:04X} at character {at} of the {} message", u32::from(c), message.role)
            });
        }
        if message.role == Role::System && position > 0 {
            ctx.report(RuleCode::MisplacedSystemMessage, message.at.message(), || {
                format!("a system message at position {}; only the first message may be one", position + 1)
            });
        } else if previous == Some(message.role) && message.role != Role::Tool {
            // (The results of parallel tool calls follow one another.)
            ctx.report(RuleCode::ConsecutiveSameRole, message.at.message(), || {
                format!("two {} messages in a row", message.role)
            });
        }
        previous = Some(message.role);
    }
    if view.training == Training::ZeroWeightMessages {
        ctx.report(RuleCode::AllWeightsZero, FieldPath::Record, || {
            "every assistant message has `weight: 0`: nothing in this conversation is trained on".to_owned()
        });
    }
    if view.training != Training::Trained {
        return;
    }
    if whole && let Some(first) = leading_assistant(view.messages.iter().map(|m| m.role)) {
        ctx.report(RuleCode::AssistantFirst, view.messages[first].at.message(), || {
            "the conversation opens with the assistant: there is no user turn before its first reply".to_owned()
        });
    }
    if view.targets == 0 {
        ctx.report(RuleCode::NoAssistantMessage, FieldPath::Record, || {
            "the conversation has no assistant message to learn from".to_owned()
        });
    } else if let Some(last) = view.messages.last()
        && last.role != Role::Assistant
    {
        ctx.report(RuleCode::LastMessageNotAssistant, last.at.message(), || {
            format!("the conversation ends with a {} message, which is not trained on", last.role)
        });
    }
}

/// The first control character other than `\n`, `\t` and `\r`, with its 1-based position.
///
/// Never inlined: this loop over every byte keeps the code generation measured in
/// `benches/`, whatever the callers around it become.
#[inline(never)]
pub(crate) fn first_control_character(text: &str) -> Option<(usize, char)> {
    // Fast path: C0 controls and DEL are single bytes; C1 controls start with 0xC2. Blocks
    // of 32 bytes are tested without branches, so the compiler can use vector instructions:
    // this check runs over every byte of every message.
    let bytes = text.as_bytes();
    let mut blocks = bytes.chunks_exact(32);
    let in_block = |block: &[u8]| block.iter().fold(false, |found, &b| found | suspicious_byte(b));
    let suspicious = blocks.by_ref().any(in_block) || in_block(blocks.remainder());
    if !suspicious {
        return None;
    }
    text.chars().enumerate().find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\t' | '\r')).map(|(i, c)| (i + 1, c))
}

/// A byte that may start a control character other than `\n`, `\t` and `\r` (without
/// branches: `&` and `|` on booleans).
fn suspicious_byte(b: u8) -> bool {
    ((b < 0x20) & (b != b'\n') & (b != b'\t') & (b != b'\r')) | (b == 0x7f) | (b == 0xc2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_except_line_breaks_and_tabs() {
        assert_eq!(first_control_character("fine\n\tline\r\n"), None);
        assert_eq!(first_control_character("caf\u{e9} \u{a0}"), None);
        assert_eq!(first_control_character("a\u{7}b"), Some((2, '\u{7}')));
        assert_eq!(first_control_character("\u{e9}\u{85}"), Some((2, '\u{85}')));
        assert_eq!(first_control_character("x\u{7f}"), Some((2, '\u{7f}')));
        // Past the first blocks of 32 bytes, and in the last partial one.
        let long = "word ".repeat(20);
        assert_eq!(first_control_character(&format!("{long}\u{1b}")), Some((101, '\u{1b}')));
        assert_eq!(first_control_character(&format!("{long}{long}\u{0}{long}")), Some((201, '\u{0}')));
        assert_eq!(first_control_character(&format!("{long}\t\r\n{long}")), None);
    }
}
