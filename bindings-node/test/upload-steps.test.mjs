// A dataset uploaded in steps, as a web app does it: `createUpload` (the dataset awaits
// its file), `upload` (streamed, capped at the declared size, not yet confirmed), then
// `confirm` (queued for validation); and each step refuses another user's dataset.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { after, before, test } from 'node:test'

import { BrightRun } from '../index.mjs'
import { CHAT, tempDir } from './client-support.mjs'

const bytes = readFileSync(CHAT)
let br

before(async () => {
  // No worker: the test sees `validating` and nothing moves it on.
  br = await BrightRun.open({ home: tempDir(), worker: false })
})
after(() => br?.close())

test('createUpload, upload and confirm take a dataset to validating', async () => {
  const target = await br.datasets.createUpload({ name: 'steps', format: 'chat', fileName: 'chat.jsonl', size: bytes.length })
  assert.equal(target.dataset.status, 'uploading')
  assert.equal(target.uploadUrl, null, 'local storage has no signed URL: upload through the client')
  assert.equal(target.storagePath, target.dataset.storagePath)
  const stored = await br.datasets.upload(target.dataset.id, { data: Readable.toWeb(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)])) })
  assert.equal(stored.status, 'uploading', 'stored, not confirmed')
  const confirmed = await br.datasets.confirm(target.dataset.id)
  assert.equal(confirmed.status, 'validating')
  assert.equal(confirmed.fileSize, bytes.length)
  await assert.rejects(br.datasets.confirm(target.dataset.id), { code: 'dataset_not_uploading' })
})

test('more bytes than declared are refused and nothing is kept', async () => {
  const target = await br.datasets.createUpload({ name: 'small', format: 'chat', fileName: 'chat.jsonl', size: 10 })
  await assert.rejects(br.datasets.upload(target.dataset.id, { data: bytes }), { code: 'too_large' })
  await assert.rejects(br.datasets.confirm(target.dataset.id), { code: 'upload_missing' })
  assert.equal((await br.datasets.upload(target.dataset.id, { data: bytes.subarray(0, 10) })).status, 'uploading', 'a retry within the size')
})

test('bad arguments and another user are refused', async () => {
  await assert.rejects(br.datasets.createUpload({ name: 'x', format: 'chat', fileName: 'a.jsonl' }), { code: 'invalid_arguments' })
  await assert.rejects(br.datasets.createUpload({ name: 'x', format: 'chat', fileName: 'a.jsonl', size: 1, colour: 'red' }), { code: 'invalid_arguments' })
  await assert.rejects(br.datasets.upload('not-an-id', { data: bytes }), { code: 'not_found' })
  const target = await br.datasets.createUpload({ name: 'private', format: 'chat', fileName: 'a.jsonl', size: bytes.length })
  await assert.rejects(br.datasets.upload(target.dataset.id, { data: 'text' }), { code: 'invalid_arguments' })
  const other = br.forUser(randomUUID())
  await assert.rejects(other.datasets.upload(target.dataset.id, { data: bytes }), { code: 'not_found' })
  await assert.rejects(other.datasets.confirm(target.dataset.id), { code: 'not_found' })
})

test('an aborted upload keeps nothing', async () => {
  const target = await br.datasets.createUpload({ name: 'aborted', format: 'chat', fileName: 'a.jsonl', size: bytes.length })
  const controller = new AbortController()
  async function* slow() {
    yield bytes.subarray(0, 100)
    controller.abort()
    yield bytes.subarray(100)
  }
  await assert.rejects(br.datasets.upload(target.dataset.id, { data: slow(), signal: controller.signal }))
  await assert.rejects(br.datasets.confirm(target.dataset.id), { code: 'upload_missing' })
})
