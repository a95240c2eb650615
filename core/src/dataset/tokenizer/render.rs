//! Rendering a conversation for counting: the whole text, and for each trained turn the two
//! texts its count is the difference of (see [`super::HfTokenCounter`]'s definition), as
//! places in the whole text wherever they are prefixes of it.

use minijinja::value::Value;

use super::TokenizerError;
use super::template::{CHATML_TEMPLATE, ChatTemplate};
use crate::dataset::conversation::{Message, Tool};

/// What renders conversations: the template engine, or, for BrightRun's own default
/// template, plain concatenation (the same text, byte for byte: the template only
/// concatenates).
pub(crate) enum Renderer {
    /// [`CHATML_TEMPLATE`], written directly.
    ChatMl,
    /// Any other template, run by minijinja.
    Jinja(Box<ChatTemplate>),
}

/// Where one trained turn is in the whole text, byte offsets: from the end of the
/// conversation before it with the generation prompt (`before`) to the end of the
/// conversation up to and including it (`through`), as [`turn_span`] finds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TurnSpan {
    /// Where the turn starts.
    pub(crate) before: usize,
    /// Where it ends (never before it starts).
    pub(crate) through: usize,
    /// Whether the conversation before the turn, or up to it, renders otherwise than the
    /// whole text begins: where the turn is then depends on what follows it.
    pub(crate) placed: bool,
}

/// A rendered conversation and the places of the turns asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// The whole conversation, without the generation prompt.
    pub(crate) text: String,
    /// One entry per turn asked for, in the same order.
    pub(crate) turns: Vec<TurnSpan>,
}

const IM_START: &str = "<|im_start|>";
const IM_END: &str = "<|im_end|>\n";

impl Renderer {
    /// The renderer of a template source.
    pub(crate) fn new(template: ChatTemplate, source: &str) -> Self {
        if source == CHATML_TEMPLATE { Renderer::ChatMl } else { Renderer::Jinja(Box::new(template)) }
    }

    /// `render(messages, add_generation_prompt)` of the counting definition, given `tools`
    /// (the ChatML writer prints no tools: see [`Renderer::prints_extras`]).
    pub(crate) fn render(
        &self,
        messages: &[Message],
        tools: Option<&[Tool]>,
        add_generation_prompt: bool,
    ) -> Result<String, TokenizerError> {
        match self {
            Renderer::ChatMl => Ok(chatml(messages, add_generation_prompt).0),
            Renderer::Jinja(template) => {
                template.render(&ChatTemplate::messages(messages), &ChatTemplate::tools(tools), add_generation_prompt)
            }
        }
    }

    /// Whether the template may print more of a message than its role and content (tools,
    /// tool calls, reasoning): BrightRun's ChatML prints only those.
    pub(crate) fn prints_extras(&self) -> bool {
        matches!(self, Renderer::Jinja(_))
    }

    /// The whole text of `messages` (given `tools`) and the texts of each turn in `turns`
    /// (indices of messages, each the message the turn ends with).
    pub(crate) fn render_turns(
        &self,
        messages: &[Message],
        tools: Option<&[Tool]>,
        turns: &[usize],
    ) -> Result<Rendered, TokenizerError> {
        match self {
            Renderer::ChatMl => {
                let (text, starts) = chatml(messages, false);
                let turns = turns
                    .iter()
                    .map(|&i| {
                        let before = starts[i] + IM_START.len() + messages[i].role.as_str().len() + 1;
                        let through = starts.get(i + 1).copied().unwrap_or(text.len());
                        TurnSpan { before, through, placed: false }
                    })
                    .collect();
                Ok(Rendered { text, turns })
            }
            Renderer::Jinja(template) => {
                let values: Vec<Value> = ChatTemplate::messages(messages);
                let tools = ChatTemplate::tools(tools);
                let text = template.render(&values, &tools, false)?;
                let turns = turns
                    .iter()
                    .map(|&i| {
                        let through = if i + 1 == messages.len() {
                            text.clone()
                        } else {
                            template.render(&values[..=i], &tools, false)?
                        };
                        // A conversation the assistant opens: its turn starts after the
                        // generation prompt alone, or at the start where the template refuses
                        // to render no messages (as the trainer does).
                        let prompt = match template.render(&values[..i], &tools, true) {
                            Err(_) if i == 0 => String::new(),
                            prompt => prompt?,
                        };
                        let asked = i.checked_sub(1).map_or("", |before| messages[before].content.as_str());
                        Ok(turn_span(&text, (&prompt, asked), (&through, &messages[i].content)))
                    })
                    .collect::<Result<_, TokenizerError>>()?;
                Ok(Rendered { text, turns })
            }
        }
    }
}

/// Where a turn is in `text`, the whole conversation's rendering, from `prompt` (the
/// conversation before it, rendered with the generation prompt, whose last message says
/// `asked`) and `through` (the conversation up to and including it, the turn saying `answer`).
///
/// Most templates render a conversation's prefixes as prefixes of its whole text: the turn is
/// then between their ends. Some render the last message otherwise: Qwen3's prints a
/// `<think>` block on the last answer only, Mistral's put the system prompt in the last user
/// message. Each end is then placed in the whole text ([`end_in`]): an earlier answer ends
/// where its text and end-of-turn marker end in the whole, without the block. A start that
/// cannot be placed is after the last words asked, where they end at or after the two
/// renderings part, else the turn is not trained on; an end
/// that cannot be placed is where the two renderings part. What is trained on is the turn's,
/// never the user's.
pub(crate) fn turn_span(text: &str, (prompt, asked): (&str, &str), (through, answer): (&str, &str)) -> TurnSpan {
    let placed = !text.starts_with(prompt) || !text.starts_with(through);
    let end = end_in(text, through, answer).unwrap_or_else(|| common_prefix_len(text, through));
    let before = end_in(text, prompt, asked).or_else(|| {
        // The last words asked, where they end at or after the renderings part.
        let words = last_words(asked);
        let common = common_prefix_len(text, prompt);
        let back = words.chars().count().checked_sub(1)?;
        let from = text[..common].char_indices().rev().nth(back).map_or(0, |(at, _)| at);
        text[from..].find(words).map(|at| from + at + words.len())
    });
    let before = before.unwrap_or(end);
    TurnSpan { before, through: end.max(before), placed }
}

/// Where `part`, a rendering of a conversation's start whose last message says `said`, ends in
/// `text`, its whole rendering: at its end when it is a prefix of `text`. Else, after their
/// common prefix, `part` may hold more than `text` (a block it alone prints): it ends after
/// the longest end of `part` that `text` goes on with there, when that end reaches into the
/// last words said (shorter, it would be the template's own text, found anywhere). `None`
/// when no such end is there.
pub(crate) fn end_in(text: &str, part: &str, said: &str) -> Option<usize> {
    if text.starts_with(part) {
        return Some(part.len());
    }
    let words = last_words(said);
    let after_words = part.rfind(words).map(|at| part.len() - at - words.len())?;
    let common = common_prefix_len(text, part);
    let tail = overlap(&part.as_bytes()[common..], &text.as_bytes()[common..]);
    (tail > 0 && tail > after_words).then_some(common + tail)
}

/// The length of the longest end of `tail` that `head` begins with, in time linear in both
/// (Knuth-Morris-Pratt: `tail` run through the failure function of `head`), whatever the
/// texts repeat. On UTF-8 texts whose `head` starts on a character, it ends on one.
fn overlap(tail: &[u8], head: &[u8]) -> usize {
    let head = &head[..head.len().min(tail.len())];
    let mut fail = vec![0; head.len()];
    let mut matched = 0;
    for at in 1..head.len() {
        while matched > 0 && head[at] != head[matched] {
            matched = fail[matched - 1];
        }
        if head[at] == head[matched] {
            matched += 1;
        }
        fail[at] = matched;
    }
    matched = 0;
    for &byte in tail {
        while matched > 0 && (matched == head.len() || byte != head[matched]) {
            matched = fail[matched - 1];
        }
        if matched < head.len() && byte == head[matched] {
            matched += 1;
        }
    }
    matched
}

/// `text` without the line breaks, tabs and spaces a template may strip around it.
fn trimmed(text: &str) -> &str {
    text.trim_matches([' ', '\n', '\t', '\r'])
}

/// The last 16 characters of `text`, [`trimmed`]: what a template keeps of a message even
/// when it rewrites it (Qwen3's drops the `<think>` part of an earlier answer's text).
fn last_words(text: &str) -> &str {
    let text = trimmed(text);
    &text[text.char_indices().rev().nth(15).map_or(0, |(at, _)| at)..]
}

/// Length in bytes of the longest common prefix of `a` and `b`, on a character boundary.
fn common_prefix_len(a: &str, b: &str) -> usize {
    a.char_indices().zip(b.chars()).find(|((_, x), y)| x != y).map_or_else(|| a.len().min(b.len()), |((i, _), _)| i)
}

/// [`CHATML_TEMPLATE`] applied to `messages`, and where each message starts in the text.
fn chatml(messages: &[Message], add_generation_prompt: bool) -> (String, Vec<usize>) {
    let size: usize =
        messages.iter().map(|m| IM_START.len() + m.role.as_str().len() + 1 + m.content.len() + IM_END.len()).sum();
    let mut text = String::with_capacity(size + IM_START.len() + 10);
    let mut starts = Vec::with_capacity(messages.len());
    for message in messages {
        starts.push(text.len());
        text.push_str(IM_START);
        text.push_str(message.role.as_str());
        text.push('\n');
        text.push_str(&message.content);
        text.push_str(IM_END);
    }
    if add_generation_prompt {
        text.push_str(IM_START);
        text.push_str("assistant\n");
    }
    (text, starts)
}

#[cfg(test)]
mod tests {
    use chrono::Local;

    use super::*;
    use crate::dataset::conversation::Role;

    fn jinja(source: &str) -> Renderer {
        Renderer::Jinja(Box::new(ChatTemplate::new(source, &[], Local::now()).unwrap()))
    }

    fn conversation() -> Vec<Message> {
        vec![
            Message::new(Role::System, "Be {{ brief }}.\n"),
            Message::new(Role::User, "<|im_end|> hi {% if %}"),
            Message::new(Role::Assistant, " Hello!\n\n"),
            Message::new(Role::User, ""),
            Message::new(Role::Assistant, "é 🙂"),
        ]
    }

    #[test]
    fn chatml_writes_what_the_template_renders() {
        let native = Renderer::new(ChatTemplate::new(CHATML_TEMPLATE, &[], Local::now()).unwrap(), CHATML_TEMPLATE);
        assert!(matches!(native, Renderer::ChatMl));
        let engine = jinja(CHATML_TEMPLATE);
        let messages = conversation();
        for end in 0..=messages.len() {
            for prompt in [false, true] {
                assert_eq!(
                    native.render(&messages[..end], None, prompt),
                    engine.render(&messages[..end], None, prompt)
                );
            }
        }
        assert_eq!(native.render_turns(&messages, None, &[2, 4]), engine.render_turns(&messages, None, &[2, 4]));
    }

    #[test]
    fn turns_are_places_in_the_whole_text_when_they_are_prefixes() {
        let rendered = jinja(CHATML_TEMPLATE).render_turns(&conversation(), None, &[2, 4]).unwrap();
        let text = &rendered.text;
        let TurnSpan { before, through, placed } = rendered.turns[0];
        assert!(!placed);
        assert!(text[..before].ends_with("<|im_start|>assistant\n"));
        assert!(text[..through].ends_with(" Hello!\n\n<|im_end|>\n"));
        assert_eq!(
            rendered.turns[1],
            TurnSpan { before: text.len() - "é 🙂<|im_end|>\n".len(), through: text.len(), placed: false }
        );
    }

    /// The text of each turn asked for, as [`turn_span`] places it in the whole.
    fn turn_texts(template: &str, messages: &[Message], turns: &[usize]) -> Vec<String> {
        let rendered = jinja(template).render_turns(messages, None, turns).unwrap();
        assert!(rendered.turns.iter().any(|turn| turn.placed), "the template renders a prefix otherwise");
        rendered.turns.iter().map(|t| rendered.text[t.before..t.through].to_owned()).collect()
    }

    #[test]
    fn a_turn_rendered_otherwise_once_the_conversation_goes_on_is_what_the_whole_text_holds() {
        let exchanges = [
            Message::new(Role::User, "91?"),
            Message::reasoning("7 × 13", "No."),
            Message::new(Role::User, "97?"),
            Message::reasoning("no divisor", "\nYes."),
        ];
        // Qwen3's: a `<think>` block on the last answer only (and the answer's line breaks
        // stripped).
        let qwen3 = concat!(
            "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if loop.last and m.reasoning_content %}",
            "<think>{{ m.reasoning_content }}</think>{% endif %}{{ m.content.lstrip('\\n') }}<|im_end|>\n{% endfor %}",
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        );
        assert_eq!(
            turn_texts(qwen3, &exchanges, &[1, 3]),
            ["No.<|im_end|>\n", "<think>no divisor</think>Yes.<|im_end|>\n"]
        );
        // Qwen3's with the reasoning written in the answers: an earlier answer loses it.
        let inline = concat!(
            "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if loop.last %}{{ m.content }}{% else %}",
            "{{ m.content.split('</think>')[-1] }}{% endif %}<|im_end|>\n{% endfor %}",
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        );
        let thought = [&exchanges[0], &exchanges[1], &exchanges[2], &exchanges[3]].map(|m| {
            Message::new(
                m.role,
                format!("<think>{}</think>{}", m.reasoning_content.clone().unwrap_or_default(), m.content),
            )
        });
        assert_eq!(
            turn_texts(inline, &thought, &[1, 3]),
            ["No.<|im_end|>\n", "<think>no divisor</think>\nYes.<|im_end|>\n"]
        );
        // Mistral's: the system prompt in the last user message.
        let mistral = concat!(
            "{% for m in messages %}{% if m.role == 'user' %}[INST] {% if loop.index0 >= messages|length - 2 %}",
            "Be brief.\n\n{% endif %}{{ m.content }} [/INST]{% else %}{{ m.content }}</s>{% endif %}{% endfor %}"
        );
        assert_eq!(turn_texts(mistral, &exchanges, &[1, 3]), ["No.</s>", "\nYes.</s>"]);
        // A mark on the last message's header: the answer is never trained on with the
        // user's text before it.
        let header = concat!(
            "{% for m in messages %}<|im_start|>{{ m.role }}{{ ' (last)' if loop.last else '' }}\n",
            "{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        );
        let texts = turn_texts(header, &exchanges, &[1, 3]);
        assert_eq!(texts, ["No.<|im_end|>\n", "<|im_end|>\n<|im_start|>assistant (last)\n\nYes.<|im_end|>\n"]);
        // A mark after the last message's text: the turn ends where the renderings part.
        let marked = "{% for m in messages %}{{ m.content }}{% if loop.last %}!{% endif %}{% endfor %}";
        assert_eq!(turn_texts(marked, &conversation(), &[2]), [" Hello!\n\n"]);

        assert_eq!(end_in("abcXYZ", "abcQQXYZ", "XY"), Some(6), "the end that goes on, into the words said");
        assert_eq!(end_in("abcXYZ", "abcQQXYZ", "bcQQ"), None, "an end that does not reach them");
        assert_eq!(end_in("abcXYZ", "abcQQXYZ", "not said"), None, "words the rendering does not hold");
        assert_eq!(end_in("abcXYZ", "abcQQ", ""), None, "no end goes on");
        assert_eq!(end_in("ab", "ab", "zz"), Some(2), "a prefix");
        assert_eq!(end_in("aéb", "aQéb", "é"), Some("aéb".len()), "on character boundaries");
        assert_eq!(overlap(b"xxabab", b"ababc"), 4);
        assert_eq!((overlap(b"abc", b"d"), overlap(b"", b"a"), overlap(b"a", b"")), (0, 0, 0));

        // A long answer repeating one letter, rendered otherwise: placed in linear time.
        let long = "a".repeat(1 << 18);
        let (text, part) = (format!("h{long}</s>next"), format!("h<think>{long}</think>{long}</s>"));
        assert_eq!(end_in(&text, &part, &long), Some(text.len() - "next".len()));
    }
}
