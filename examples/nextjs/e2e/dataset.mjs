// The e2e test's dataset: a few dozen short chat conversations (JSONL), some of them in the
// validation split, and one repeated on purpose so the report has a finding to show.

/** Topics of the generated conversations: a question and the assistant's answer. */
const TOPICS = [
  ['my deadline moved up by a week', 'That is a lot to absorb. What is the one piece of work that matters most before the new date?'],
  ['I keep snapping at my team', 'Noticing it is the first step. When does it tend to happen: early in the day, or when you are tired?'],
  ['I cannot sleep before presentations', 'Nerves before speaking are common. Would a short rehearsal the evening before help you feel ready?'],
  ['my manager never gives feedback', 'Working without feedback is unsettling. Could you ask for a short check-in every two weeks?'],
  ['I feel behind everyone else', 'Comparisons are hard on anyone. What would count as progress for you this month?'],
  ['I am overwhelmed by email', 'A full inbox can feel endless. Would two fixed times a day for email ease the pressure?'],
  ['I was passed over for promotion', 'That stings. Do you know what the decision rested on, or would it help to ask?'],
  ['I have too many meetings', 'Meetings can eat a whole week. Which of them could you leave or turn into a written update?'],
]

/**
 * The dataset as JSONL text: `count` conversations (every fifth in the validation split), the
 * last one a repeat of the first (a `duplicate_conversation` warning), no trailing newline.
 */
export function chatDataset(count = 40) {
  const lines = []
  for (let index = 0; index < count - 1; index += 1) {
    const [worry, answer] = TOPICS[index % TOPICS.length]
    const record = {
      messages: [
        { role: 'system', content: 'You are a calm, practical workplace coach. Keep answers short.' },
        { role: 'user', content: `Conversation ${index + 1}: ${worry}.` },
        { role: 'assistant', content: answer },
        { role: 'user', content: 'Thanks, that helps a bit.' },
        { role: 'assistant', content: `Glad it helps. Take one small step today and tell me how it went (${index + 1}).` },
      ],
    }
    if (index % 5 === 4) record.split = 'validation'
    lines.push(JSON.stringify(record))
  }
  lines.push(lines[0])
  return lines.join('\n')
}

/**
 * A dataset with errors: twelve conversations of which line 5 is cut short (`invalid_json`)
 * and line 8 has a speaker named `bot` (`unknown_role`).
 */
export function brokenDataset() {
  const lines = chatDataset(12).split('\n')
  lines[4] = lines[4].slice(0, 40)
  lines[7] = lines[7].replace('"role":"user"', '"role":"bot"')
  return lines.join('\n')
}
