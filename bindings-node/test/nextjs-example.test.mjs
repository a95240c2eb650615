// The Next.js example's route logic (examples/nextjs/lib/validate-upload.mjs), called with
// web Requests built from FormData and Blobs, as Next would: tested without Next itself.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

import { validate } from '../index.mjs'
import { createValidateHandler } from '../../examples/nextjs/lib/validate-upload.mjs'
import { repo } from './helpers.mjs'

const CHAT = join(repo, 'examples', 'data', 'sample_chat.jsonl')
const handle = createValidateHandler(validate)

/** A POST of `fields` as multipart/form-data. */
function upload(fields) {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  return new Request('http://localhost/api/validate', { method: 'POST', body: form })
}

test('an uploaded file answers its validation report', async () => {
  const file = new Blob([readFileSync(CHAT)], { type: 'application/jsonl' })
  const response = await handle(upload({ file, maxSeqLen: '4096' }))
  assert.equal(response.status, 200)
  const expected = JSON.parse(JSON.stringify(await validate(CHAT, { maxSeqLen: 4096 })))
  const report = await response.json()
  assert.deepEqual(report, expected)
  assert.equal(report.valid, true)
  assert.equal(report.stats.maxSeqLen, 4096)
})

test('a file that is no dataset answers its report, invalid', async () => {
  const response = await handle(upload({ file: new Blob(['hello, world\n']) }))
  assert.equal(response.status, 200)
  const report = await response.json()
  assert.equal(report.valid, false)
  assert.deepEqual([report.findings[0].line, report.findings[0].code], [1, 'invalid_json'])
})

test('an upload that cannot be read answers 422 with its code', async () => {
  const corruptGzip = new Blob([new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3])])
  const response = await handle(upload({ file: corruptGzip }))
  assert.equal(response.status, 422)
  assert.equal((await response.json()).code, 'invalid_gzip')
})

test('a request without a file answers 400', async () => {
  assert.equal((await handle(upload({ format: 'chat' }))).status, 400)
  const notAForm = new Request('http://localhost/api/validate', { method: 'POST', body: 'x' })
  assert.equal((await handle(notAForm)).status, 400)
})
