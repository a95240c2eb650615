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

/// The texts one trained turn is counted from: `through` renders the conversation up to and
/// including the turn, `before` the conversation before it with the generation prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TurnTexts {
    /// Both are prefixes of the whole text (`before` of `through`): their lengths.
    Prefixes { before: usize, through: usize },
    /// They are not: the texts themselves.
    Texts { before: String, through: String },
}

/// A rendered conversation and the texts of the turns asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// The whole conversation, without the generation prompt.
    pub(crate) text: String,
    /// One entry per turn asked for, in the same order.
    pub(crate) turns: Vec<TurnTexts>,
}

const IM_START: &str = "<|im_start|>";
const IM_END: &str = "<|im_end|>\n";

impl Renderer {
    /// The renderer of a template source.
    pub(crate) fn new(template: ChatTemplate, source: &str) -> Self {
        if source == CHATML_TEMPLATE { Renderer::ChatMl } else { Renderer::Jinja(Box::new(template)) }
    }

    /// `render(messages, add_generation_prompt)` of the counting definition, given `tools`
    /// (the ChatML writer prints no tools: see [`Renderer::prints_tools`]).
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

    /// Whether the template may print tools and tool calls: BrightRun's ChatML prints only
    /// each message's content.
    pub(crate) fn prints_tools(&self) -> bool {
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
                        TurnTexts::Prefixes { before, through }
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
                        let before = template.render(&values[..i], &tools, true)?;
                        Ok(if text.starts_with(&through) && through.starts_with(&before) {
                            TurnTexts::Prefixes { before: before.len(), through: through.len() }
                        } else {
                            TurnTexts::Texts { before, through }
                        })
                    })
                    .collect::<Result<_, TokenizerError>>()?;
                Ok(Rendered { text, turns })
            }
        }
    }
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
        let TurnTexts::Prefixes { before, through } = rendered.turns[0] else { panic!("{rendered:?}") };
        assert!(text[..before].ends_with("<|im_start|>assistant\n"));
        assert!(text[..through].ends_with(" Hello!\n\n<|im_end|>\n"));
        assert_eq!(
            rendered.turns[1],
            TurnTexts::Prefixes { before: text.len() - "é 🙂<|im_end|>\n".len(), through: text.len() }
        );

        let marked = "{% for m in messages %}{{ m.content }}{% if loop.last %}!{% endif %}{% endfor %}";
        let rendered = jinja(marked).render_turns(&conversation(), None, &[2]).unwrap();
        assert!(matches!(&rendered.turns[0], TurnTexts::Texts { through, .. } if through.ends_with("Hello!\n\n!")));
    }
}
