// The routes on S3-compatible storage (the tests' server, checking SigV4 signatures): the
// browser PUTs the dataset to a signed URL, the confirmation checks what arrived, and an
// adapter's files download from signed GET URLs (the files route redirects to them).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { CHAT, QUICK, notFound, sha256, startS3Server, startServer, user, waitFor, withoutTrainer } from './server.mjs'

let s3, server, alice, bob, dataset

before(async () => {
  s3 = await startS3Server()
  if (!s3) return
  server = await startServer({ env: { BRIGHTRUN_STORAGE_URL: s3.url } })
  alice = user(server.url, 'alice')
  bob = user(server.url, 'bob')
})
after(async () => {
  await server?.stop()
  await s3?.stop()
})

test('a dataset goes to S3 through a signed PUT URL, then is confirmed', async (t) => {
  if (!s3) return t.skip('no S3 test server')
  const created = await alice.call('POST', '/api/datasets', { name: 'on s3', file_name: 'chat.jsonl', file_size: CHAT.length })
  assert.equal(created.status, 201)
  const { uploadUrl, uploadMethod, storagePath } = created.body.data
  const id = created.body.data.dataset.id
  assert.equal(uploadMethod, 'PUT')
  assert.match(uploadUrl, /^https?:\/\/.*X-Amz-Signature=/, 'a signed storage URL, not the app')
  assert.ok(uploadUrl.includes(storagePath), uploadUrl)
  notFound(assert, await bob.call('POST', `/api/datasets/${id}/confirm`))
  const early = await alice.call('POST', `/api/datasets/${id}/confirm`)
  assert.equal(early.status, 409, 'nothing uploaded yet')
  const put = await fetch(uploadUrl, { method: 'PUT', body: CHAT })
  assert.equal(put.status, 200)
  const confirmed = await alice.call('POST', `/api/datasets/${id}/confirm`)
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
  assert.equal(confirmed.body.data.dataset.status, 'validating')
  const read = async () => (await alice.call('GET', `/api/datasets/${id}`)).body.data.dataset
  dataset = await waitFor(read, (d) => d.status === 'ready' || d.status === 'error', 60_000, 'the validation')
  assert.equal(dataset.status, 'ready')
})

test('an adapter trained on S3 downloads from signed URLs', { skip: withoutTrainer(), timeout: 600_000 }, async (t) => {
  if (!s3) return t.skip('no S3 test server')
  assert.ok(dataset, 'the dataset of the previous test')
  const created = await alice.call('POST', '/api/jobs', { dataset_id: dataset.id, base_model: 'smoke', gpu_type: 'CPU', hyperparameters: QUICK })
  const read = async () => (await alice.call('GET', `/api/jobs/${created.body.data.job.id}`)).body.data.job
  const job = await waitFor(read, (j) => ['completed', 'failed', 'cancelled'].includes(j.status), 480_000, 'the training')
  assert.equal(job.status, 'completed', job.errorMessage)
  const files = (await alice.call('GET', `/api/models/${job.artifactId}/download`)).body.data.files
  assert.ok(files.length > 0)
  for (const file of files) {
    assert.match(file.url, /X-Amz-Signature=/)
    assert.ok(Date.parse(file.expiresAt) > Date.now())
    const bytes = Buffer.from(await (await fetch(file.url)).arrayBuffer())
    assert.equal(sha256(bytes), file.sha256, file.name)
  }
  const redirect = await fetch(`${server.url}/api/models/${job.artifactId}/files/${files[0].name}`, {
    headers: { authorization: `Bearer ${alice.bearer}` },
    redirect: 'manual',
  })
  assert.equal(redirect.status, 307)
  assert.match(redirect.headers.get('location'), /X-Amz-Signature=/)
  notFound(assert, await bob.call('GET', `/api/models/${job.artifactId}/download`))
})
