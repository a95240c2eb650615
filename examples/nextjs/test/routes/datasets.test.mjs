// The dataset routes: create, upload, confirm, list, read, rename, delete; bad input (400
// naming the field), another user's id (404), an upload over its declared size (413).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { CHAT, badField, notFound, startServer, uploadDataset, user } from './server.mjs'

let server, alice, bob, ready

before(async () => {
  server = await startServer()
  alice = user(server.url, 'alice')
  bob = user(server.url, 'bob')
  ready = await uploadDataset(alice)
})
after(() => server?.stop())

test('a dataset is created, uploaded, confirmed and validated', async () => {
  assert.equal(ready.status, 'ready')
  assert.equal(ready.userId, alice.id)
  assert.equal(ready.fileSize, CHAT.length)
  const detail = await alice.call('GET', `/api/datasets/${ready.id}`)
  assert.equal(detail.status, 200)
  assert.equal(detail.body.success, true)
  assert.equal(detail.body.data.dataset.id, ready.id)
  assert.equal(detail.body.data.report.valid, true, 'the full validation report')
  assert.ok(detail.body.data.report.stats.conversations > 0)
})

test('POST /api/datasets answers the dataset and where to PUT its file', async () => {
  const created = await alice.call('POST', '/api/datasets', { name: 'steps', description: 'd', file_name: 'a.jsonl', file_size: 10 })
  assert.equal(created.status, 201)
  const { dataset, uploadUrl, uploadMethod, storagePath } = created.body.data
  assert.equal(dataset.status, 'uploading')
  assert.equal(dataset.format, 'chat', 'the default format')
  assert.equal(uploadUrl, `/api/datasets/${dataset.id}/upload`)
  assert.equal(uploadMethod, 'PUT')
  assert.equal(storagePath, dataset.storagePath)
  assert.match(storagePath, new RegExp(`^datasets/${alice.id}/${dataset.id}/`))
})

test('POST /api/datasets refuses a bad body, naming the field', async () => {
  const valid = { name: 'x', file_name: 'a.jsonl', file_size: 10 }
  badField(assert, await alice.call('POST', '/api/datasets', 'not json'), 'body')
  badField(assert, await alice.call('POST', '/api/datasets', [1]), 'body')
  badField(assert, await alice.call('POST', '/api/datasets', { ...valid, file_name: undefined }), 'file_name')
  badField(assert, await alice.call('POST', '/api/datasets', { ...valid, file_name: '' }), 'file_name')
  const zero = badField(assert, await alice.call('POST', '/api/datasets', { ...valid, file_size: 0 }), 'file_size')
  assert.equal(zero.details.allowed, 'a whole number from 1')
  badField(assert, await alice.call('POST', '/api/datasets', { ...valid, file_size: '10' }), 'file_size')
  const huge = badField(assert, await alice.call('POST', '/api/datasets', { ...valid, file_size: 2 ** 50 }), 'file_size')
  assert.equal(huge.details.code, 'invalid_size')
  assert.match(huge.error, /1 byte to \d+ bytes/, 'the core names the allowed range')
  const format = badField(assert, await alice.call('POST', '/api/datasets', { ...valid, format: 'csv' }), 'format')
  assert.equal(format.details.allowed, 'chat, brightrun_lora_v3, brightrun_lora_v4, prompt_completion, alpaca, sharegpt, text, gemini')
  badField(assert, await alice.call('POST', '/api/datasets', { ...valid, colour: 'red' }), 'colour')
  badField(assert, await alice.call('POST', '/api/datasets', { ...valid, name: 7 }), 'name')
  const long = await alice.call('POST', '/api/datasets', { ...valid, name: 'n'.repeat(201) })
  assert.equal(long.status, 400)
  assert.equal(long.body.details.code, 'invalid_text')
  assert.match(long.body.error, /name is longer than 200/)
})

test('an upload over the declared size answers 413 and keeps nothing', async () => {
  const created = await alice.call('POST', '/api/datasets', { name: 'small', file_name: 'a.jsonl', file_size: 10 })
  const { dataset, uploadUrl } = created.body.data
  const declared = await alice.call('PUT', uploadUrl, Buffer.alloc(20, 'x'))
  assert.equal(declared.status, 413, 'refused by its Content-Length')
  assert.equal(declared.body.details.code, 'too_large')
  // No Content-Length: a chunked body, refused by the store as the bytes come.
  const chunks = new ReadableStream({
    start(controller) {
      controller.enqueue(Buffer.alloc(8, 'x'))
      controller.enqueue(Buffer.alloc(8, 'y'))
      controller.close()
    },
  })
  const streamed = await fetch(`${server.url}${uploadUrl}`, { method: 'PUT', body: chunks, duplex: 'half', headers: { authorization: `Bearer ${alice.bearer}` } })
  assert.equal(streamed.status, 413)
  assert.equal((await streamed.json()).details.code, 'too_large')
  const confirm = await alice.call('POST', `/api/datasets/${dataset.id}/confirm`)
  assert.equal(confirm.status, 409, 'nothing was stored')
  assert.equal(confirm.body.details.code, 'upload_missing')
})

test('confirming twice, or uploading after the confirmation, conflicts', async () => {
  const again = await alice.call('POST', `/api/datasets/${ready.id}/confirm`)
  assert.equal(again.status, 409)
  assert.equal(again.body.details.code, 'dataset_not_uploading')
  const upload = await alice.call('PUT', `/api/datasets/${ready.id}/upload`, CHAT)
  assert.equal(upload.status, 409)
})

test('GET /api/datasets pages, filters and searches', async () => {
  const all = await alice.call('GET', '/api/datasets?limit=1&page=1')
  assert.equal(all.status, 200)
  const { datasets, total, page, limit, totalPages } = all.body.data
  assert.equal(datasets.length, 1)
  assert.ok(total >= 2)
  assert.deepEqual([page, limit, totalPages], [1, 1, total])
  const readyOnes = await alice.call('GET', '/api/datasets?status=ready')
  assert.deepEqual(readyOnes.body.data.datasets.map((d) => d.id), [ready.id])
  const found = await alice.call('GET', '/api/datasets?search=chat%20sam')
  assert.deepEqual(found.body.data.datasets.map((d) => d.id), [ready.id])
  assert.equal((await alice.call('GET', '/api/datasets?search=nothing-like-it')).body.data.total, 0)
  assert.equal(badField(assert, await alice.call('GET', '/api/datasets?limit=0'), 'limit').details.allowed, '1 to 100')
  badField(assert, await alice.call('GET', '/api/datasets?limit=101'), 'limit')
  badField(assert, await alice.call('GET', '/api/datasets?limit=2.5'), 'limit')
  badField(assert, await alice.call('GET', '/api/datasets?page=0'), 'page')
  badField(assert, await alice.call('GET', '/api/datasets?page=x'), 'page')
  badField(assert, await alice.call('GET', '/api/datasets?status=done'), 'status')
})

test('PATCH renames and re-describes; DELETE removes', async () => {
  const created = await alice.call('POST', '/api/datasets', { name: 'to rename', file_name: 'a.jsonl', file_size: 10 })
  const id = created.body.data.dataset.id
  const renamed = await alice.call('PATCH', `/api/datasets/${id}`, { name: 'renamed', description: 'about it' })
  assert.equal(renamed.status, 200)
  assert.equal(renamed.body.data.dataset.name, 'renamed')
  assert.equal(renamed.body.data.dataset.description, 'about it')
  const cleared = await alice.call('PATCH', `/api/datasets/${id}`, { description: null })
  assert.equal(cleared.body.data.dataset.description, undefined)
  badField(assert, await alice.call('PATCH', `/api/datasets/${id}`, {}), 'body')
  badField(assert, await alice.call('PATCH', `/api/datasets/${id}`, { name: 3 }), 'name')
  badField(assert, await alice.call('PATCH', `/api/datasets/${id}`, { status: 'ready' }), 'status')
  const deleted = await alice.call('DELETE', `/api/datasets/${id}`)
  assert.deepEqual(deleted.body, { success: true, data: { deleted: true, id } })
  notFound(assert, await alice.call('GET', `/api/datasets/${id}`))
  notFound(assert, await alice.call('DELETE', `/api/datasets/${id}`))
})

test("another user's dataset is not found by any route", async () => {
  const created = await alice.call('POST', '/api/datasets', { name: 'private', file_name: 'a.jsonl', file_size: CHAT.length })
  const pending = created.body.data.dataset.id
  for (const id of [ready.id, pending]) {
    notFound(assert, await bob.call('GET', `/api/datasets/${id}`))
    notFound(assert, await bob.call('PATCH', `/api/datasets/${id}`, { name: 'mine' }))
    notFound(assert, await bob.call('DELETE', `/api/datasets/${id}`))
    notFound(assert, await bob.call('POST', `/api/datasets/${id}/confirm`))
  }
  notFound(assert, await bob.call('PUT', `/api/datasets/${pending}/upload`, CHAT))
  notFound(assert, await bob.call('GET', '/api/datasets/not-a-uuid'))
  assert.equal((await bob.call('GET', '/api/datasets')).body.data.total, 0)
  assert.equal((await alice.call('GET', `/api/datasets/${ready.id}`)).body.data.dataset.name, 'chat sample', 'unchanged')
  assert.equal((await alice.call('PUT', `/api/datasets/${pending}/upload`, CHAT)).status, 200, 'still uploadable by its owner')
})
