// The schema-driven reading of the core's JSON (lib/convert.js with the generated
// lib/shapes.js): field names camelCase, map keys and tag values as the core wrote them.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'

const require = createRequire(import.meta.url)
const { read, reader } = require('../lib/convert.js')

test('record fields are camelCase and null fields are left out', () => {
  const finding = { line: 3, path: null, code: 'invalid_json', severity: 'error', message: 'bad', suggestion: null }
  assert.deepEqual(read(finding, 'ValidationFinding'), { line: 3, code: 'invalid_json', severity: 'error', message: 'bad' })
})

test('keys of a map stay as they are', () => {
  const report = read({ counts: { missing_target_response: 2, invalid_json: 1 }, findings_truncated: false }, 'ValidationReport')
  assert.deepEqual(report, { counts: { missing_target_response: 2, invalid_json: 1 }, findingsTruncated: false })
})

test('a tagged union keeps its tag value and camelCases its variant fields', () => {
  const signed = { kind: 'signed_url', url: 'https://x', access: 'download', expires_at: '2026-01-01T00:00:00Z' }
  assert.deepEqual(read(signed, 'Location'), { kind: 'signed_url', url: 'https://x', access: 'download', expiresAt: '2026-01-01T00:00:00Z' })
  const line = read({ event: { event: 'metric', step: 1, total_steps: 6, loss: 6.2 } }, 'WorkerLine')
  assert.deepEqual(line, { event: { event: 'metric', step: 1, totalSteps: 6, loss: 6.2 } })
  assert.deepEqual(read({ log: 'hello' }, 'WorkerLine'), { log: 'hello' })
})

test('free-form JSON is kept as it is; arrays and pages are read item by item', () => {
  const note = { notification_type: 'job_complete', metadata: { job_id: 'j', status: 'completed' } }
  assert.deepEqual(read(note, 'Notification'), { notificationType: 'job_complete', metadata: { job_id: 'j', status: 'completed' } })
  const page = reader('Page_for_Notification')(JSON.stringify({ items: [note], total: 1 }))
  assert.equal(page.items[0].notificationType, 'job_complete')
  assert.equal(reader('Dataset')('null'), undefined)
})

test('a field the schema does not know is camelCased and kept', () => {
  assert.deepEqual(read({ new_field: { inner_key: 1 } }, 'Dataset'), { newField: { inner_key: 1 } })
})
