// validate() and convert(): the CLI's --json reports, camelCased; errors with codes.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'

import { BrightRunError, convert, validate } from '../index.mjs'
import { camelize, cliJson, repo, withoutNulls } from './helpers.mjs'

const DATA = join(repo, 'examples', 'data')
const V4 = join(DATA, 'sample_v4.jsonl')
const CHAT = join(DATA, 'sample_chat.jsonl')

/** The CLI's report as the package gives it: camelCased, except the codes counted. */
function expectedReport(cli) {
  return withoutNulls({ ...camelize(cli), counts: cli.counts })
}

/** A chat file with errors: no assistant turn, bad JSON, an unknown role. */
function invalidFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'brightrun-')), 'invalid.jsonl')
  const good = { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] }
  const lines = [
    JSON.stringify(good),
    JSON.stringify({ messages: [{ role: 'user', content: 'Only a question' }] }),
    '{not json',
    JSON.stringify({ messages: [{ role: 'robot', content: 'beep' }, { role: 'assistant', content: 'x' }] }),
    JSON.stringify(good),
  ]
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

for (const path of [V4, CHAT]) {
  test(`validate(${path.split('/').pop()}) is the CLI's report`, async () => {
    const report = await validate(path)
    assert.deepEqual(withoutNulls(report), expectedReport(cliJson('validate', path)))
    assert.ok(report.valid)
    assert.ok(report.stats.trainingPairs > 0 && report.stats.totalTokens > 0)
  })
}

test('options are the CLI flags', async () => {
  const report = await validate(CHAT, { format: 'chat', maxSeqLen: 16, minExamples: 1000 })
  const cli = cliJson('validate', CHAT, '--format', 'chat', '--max-seq-len', '16', '--min-examples', '1000')
  assert.deepEqual(withoutNulls(report), expectedReport(cli))
  assert.equal(report.valid, false)
  assert.equal(report.stats.maxSeqLen, 16)
})

test('an invalid file is a report, not a rejection', async () => {
  const path = invalidFile()
  const report = await validate(path)
  assert.deepEqual(withoutNulls(report), expectedReport(cliJson('validate', path)))
  assert.equal(report.valid, false)
  assert.ok(report.errors > 0)
  const lines = new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.line))
  assert.ok(lines.has(2) && lines.has(3))
})

/** A file of `content` in a fresh temporary folder. */
function fileOf(name, content) {
  const path = join(mkdtempSync(join(tmpdir(), 'brightrun-')), name)
  writeFileSync(path, content)
  return path
}

for (const [name, content, code] of [
  ['plain text', 'dear diary\nthis is not a dataset\n', 'invalid_json'],
  ['a prompt without completion', '{"prompt": "q", "answer": "a"}\n', 'unknown_format'],
  ['UTF-16', Buffer.from('\ufeff{"messages": []}\n', 'utf16le'), 'invalid_utf8'],
]) {
  test(`a file of ${name} is a report, not a rejection`, async () => {
    const path = fileOf('data.jsonl', content)
    const report = await validate(path)
    assert.deepEqual(withoutNulls(report), expectedReport(cliJson('validate', path)))
    assert.equal(report.valid, false)
    assert.equal(report.format, undefined)
    assert.deepEqual([report.findings[0].line, report.findings[0].code], [1, code])
  })
}

for (const [format, content] of [
  ['prompt_completion', '{"prompt": "q", "completion": "a"}\n'],
  ['alpaca', '{"instruction": "q", "input": "", "output": "a"}\n'],
  ['sharegpt', '{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}\n'],
  ['text', '{"text": "A document for continued pretraining."}\n'],
  ['gemini', '{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "a"}]}]}\n'],
]) {
  test(`a ${format} file is recognised as the CLI recognises it`, async () => {
    const path = fileOf('data.jsonl', content)
    const report = await validate(path, { minExamples: 1 })
    assert.deepEqual(withoutNulls(report), expectedReport(cliJson('validate', path, '--min-examples', '1')))
    assert.equal(report.valid, true)
    assert.equal(report.format, format)
  })
}

test('message weights are the CLI\'s', async () => {
  const messages = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'A weak answer.', weight: 0 },
    { role: 'user', content: 'Again?' },
    { role: 'assistant', content: 'A good answer.', weight: 1 },
  ]
  const path = fileOf('weighted.jsonl', JSON.stringify({ messages }) + '\n')
  const report = await validate(path, { minExamples: 1 })
  assert.deepEqual(withoutNulls(report), expectedReport(cliJson('validate', path, '--min-examples', '1')))
  assert.deepEqual(report.sampleData[0].messages.map((m) => m.weight), [undefined, 0, undefined, undefined])
  assert.equal(report.stats.trainingPairs, 1)
})

test('convert() writes what the CLI writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brightrun-'))
  const summary = await convert(V4, join(dir, 'node'), { validationFraction: 0.2 })
  const cli = cliJson('convert', V4, '--out', join(dir, 'cli'), '--validation-fraction', '0.2')
  const paths = { trainFile: '', validationFile: '' }
  assert.deepEqual({ ...withoutNulls(summary), ...paths }, { ...withoutNulls(camelize(cli)), ...paths })
  assert.equal(readFileSync(summary.trainFile, 'utf8'), readFileSync(join(dir, 'cli', 'train.jsonl'), 'utf8'))
  assert.equal(readFileSync(summary.validationFile, 'utf8'), readFileSync(join(dir, 'cli', 'validation.jsonl'), 'utf8'))
})

const ERRORS = [
  ['a missing file', () => validate('/nonexistent/data.jsonl'), 'dataset_not_found'],
  ['a conversion of a file of no format', () => convert(join(repo, 'README.md'), tmpdir()), 'unknown_dataset_format'],
  ['a negative maxSeqLen', () => validate(CHAT, { maxSeqLen: -1 }), 'invalid_option'],
  ['an unknown format', () => validate(CHAT, { format: 'csv' }), 'unknown_value'],
  ['a missing tokenizer', () => validate(CHAT, { tokenizer: '/nonexistent/tokenizer.json' }), 'tokenizer_load_failed'],
  ['a validation fraction of 1.5', () => convert(CHAT, tmpdir(), { validationFraction: 1.5 }), 'invalid_option'],
]

for (const [name, call, code] of ERRORS) {
  test(`${name} rejects with ${code}`, async () => {
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof BrightRunError)
      assert.equal(error.code, code)
      assert.ok(!error.message.startsWith('['))
      return true
    })
  })
}
