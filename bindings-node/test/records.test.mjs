// Datasets in memory: validate(), convert() and datasets.create() take an array, an iterable
// or an async iterable of records (or bytes), and give what the same records in a file give.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'

import { BrightRun, BrightRunError, convert, validate } from '../index.mjs'

const RECORDS = [
  { prompt: 'The capital of France is', completion: ' Paris.' },
  { prompt: '1, 2, 3,', completion: ' 4', split: 'validation' },
  { prompt: 'Unanswered', completion: '' },
  { prompt: 'Translate: cat', completion: ' chat' },
]
const JSONL = RECORDS.map((record) => JSON.stringify(record)).join('\n') + '\n'

function scratch() {
  return mkdtempSync(join(tmpdir(), 'brightrun-records-'))
}

/** The lines of train.jsonl that converting `records` (all to training) writes, parsed. */
async function trainLines(records) {
  const dir = scratch()
  await convert(records, dir, { validationFraction: 0 })
  return readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
}

/** The report without the input's size, the same for every form of the same records. */
function comparable(report) {
  return { ...report, stats: { ...report.stats, bytes: undefined } }
}

async function* slowly(records) {
  for (const record of records) {
    await new Promise((resolve) => setImmediate(resolve))
    yield record
  }
}

test('records in memory validate as the same records in a file', async () => {
  const file = join(scratch(), 'records.jsonl')
  writeFileSync(file, JSONL)
  const fromFile = await validate(file, { minExamples: 1 })
  const forms = {
    array: RECORDS,
    iterable: new Set(RECORDS),
    'async iterable': slowly(RECORDS),
    bytes: new TextEncoder().encode(JSONL),
  }
  for (const [form, dataset] of Object.entries(forms)) {
    const report = await validate(dataset, { minExamples: 1 })
    assert.equal(report.format, 'prompt_completion', form)
    assert.deepEqual(comparable(report), comparable(fromFile), form)
    assert.deepEqual(report.findings.map((f) => [f.line, f.code]), [[3, 'empty_content']], `${form}: record n is line n`)
  }
})

test('records convert as their file', async () => {
  const dir = scratch()
  const file = join(dir, 'records.jsonl')
  writeFileSync(file, JSONL)
  const summary = await convert(RECORDS, join(dir, 'a'))
  await convert(file, join(dir, 'b'))
  assert.deepEqual([summary.trainConversations, summary.validationConversations, summary.skippedInvalid], [2, 1, 1])
  for (const name of ['train.jsonl', 'validation.jsonl']) {
    assert.equal(readFileSync(join(dir, 'a', name), 'utf8'), readFileSync(join(dir, 'b', name), 'utf8'))
  }
})

// TRL's conversational prompt/completion and LLaMA-Factory's Alpaca with history, as records.
const TRL = [
  { prompt: [{ role: 'user', content: 'The capital of France?' }], completion: [{ role: 'assistant', content: 'Paris.' }] },
  {
    prompt: [
      { role: 'user', content: '1, 2' },
      { role: 'assistant', content: '3' },
      { role: 'user', content: 'next' },
    ],
    completion: [{ role: 'assistant', content: '4' }],
  },
]
const ALPACA_HISTORY = [{ instruction: 'And 3+3?', input: '', output: '6', history: [['What is 2+2?', '4']] }]

test('earlier turns are read: the prompt of messages as context, the history trained on', async () => {
  const report = await validate(TRL, { minExamples: 1 })
  assert.deepEqual([report.format, report.valid, report.stats.trainingPairs], ['prompt_completion', true, 2])
  const lines = await trainLines(TRL)
  assert.deepEqual(lines[1].messages[1], { role: 'assistant', content: '3', weight: 0 })

  const alpaca = await validate(ALPACA_HISTORY, { minExamples: 1 })
  assert.deepEqual([alpaca.format, alpaca.valid, alpaca.stats.trainingPairs], ['alpaca', true, 2])
})

const WEATHER = { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }
// LLaMA-Factory's ShareGPT with tool calls: `tools` is JSON text, "" when there are none.
const TOOL_TURNS = [
  {
    conversations: [
      { from: 'human', value: 'Weather in Oslo?' },
      { from: 'function_call', value: JSON.stringify({ name: 'weather', arguments: { city: 'Oslo' } }) },
      { from: 'observation', value: '9 C' },
      { from: 'gpt', value: '9 degrees.' },
    ],
    tools: JSON.stringify([WEATHER]),
  },
  { conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }], tools: '' },
]

test('tool calls are read from ShareGPT turns: function_call and observation', async () => {
  const report = await validate(TOOL_TURNS, { minExamples: 1 })
  assert.deepEqual([report.format, report.valid, report.stats.trainingPairs], ['sharegpt', true, 3])
  const lines = await trainLines(TOOL_TURNS)
  const call = { id: 'call00001', type: 'function', function: { name: 'weather', arguments: { city: 'Oslo' } } }
  assert.deepEqual(lines[0].messages.slice(1, 3), [
    { role: 'assistant', content: '', tool_calls: [call] },
    { role: 'tool', content: '9 C', tool_call_id: 'call00001', name: 'weather' },
  ])
  assert.deepEqual(lines[0].tools, [{ type: 'function', function: WEATHER }])
  assert.equal(lines[1].tools, undefined)
})

test('what is not a dataset is an invalid_arguments error', async () => {
  const cases = [
    [RECORDS[0], /a single record was given/],
    [3, /not number/],
    [null, /not null/],
    [[RECORDS[0], { prompt: 1n, completion: 'x' }], /record 2 cannot be written as JSON/],
    [[() => 1], /record 1 cannot be written as JSON: it is function/],
  ]
  for (const [dataset, message] of cases) {
    await assert.rejects(validate(dataset), (error) => {
      assert.ok(error instanceof BrightRunError)
      assert.equal(error.code, 'invalid_arguments')
      assert.match(error.message, message)
      return true
    })
  }
  const report = await validate([RECORDS[0], 'text', [1, 2]], { minExamples: 1 })
  assert.deepEqual(report.findings.map((f) => [f.line, f.code]), [[2, 'not_an_object'], [3, 'not_an_object']])
})

test('datasets.create takes records', async () => {
  const br = await BrightRun.open({ home: join(scratch(), 'home') })
  try {
    const dataset = await br.datasets.create({ records: slowly(RECORDS), name: 'from records' })
    assert.deepEqual([dataset.name, dataset.fileName, dataset.format], ['from records', 'records.jsonl', 'prompt_completion'])
    const done = await br.datasets.wait(dataset.id, { timeoutMs: 120_000 })
    assert.equal(done.status, 'error')
    const report = await br.datasets.report(dataset.id)
    assert.ok(report.findings.some((f) => f.line === 3 && f.code === 'empty_content'), JSON.stringify(report.findings))
    await assert.rejects(br.datasets.create({ records: RECORDS, path: 'x.jsonl' }), { code: 'invalid_arguments' })
  } finally {
    await br.close()
  }
})
