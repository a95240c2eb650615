//! BrightRun LoRA v3 JSONL: `{"conversation_id": "...", "turns": [{"role", "content"}...]}`.

use super::json::{Key, RawRecord};
use super::messages::ToolCalling;
use super::{RecordCtx, Training, View, conversation_messages};
use crate::dataset::findings::FieldPath;

/// The canonical form of a v3 record; `None` when it has no usable `turns`.
pub(super) fn view<'a>(record: RawRecord<'a>, ctx: &mut RecordCtx<'_, '_>) -> Option<View<'a>> {
    let id = ctx.required(record.conversation_id, FieldPath::Field("conversation_id")).map(|Key(id)| id);
    let messages = conversation_messages(record.turns, "turns", ToolCalling::Unsupported, ctx)?;
    let mut view = View::conversation(messages, None, id.clone(), Training::Trained);
    view.conversation_id = id;
    Some(view)
}
