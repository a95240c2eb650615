// The client on PostgreSQL + S3 (the tests' s3s server, which checks SigV4 signatures) with
// the real trainer and the smoke model: upload, validation, training, the adapter downloaded
// through signed URLs with its sha256 checked, a tampered signature refused, a cancel and
// another user's ids. Without PostgreSQL, the S3 server or the trainer it prints SKIPPED, or
// fails under CI=true.
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

import { BrightRun, NotFoundError } from '../index.mjs'
import { CHAT, QUICK, missing, startS3Server, tempDir, trainerPython } from './client-support.mjs'

const databaseUrl = process.env.BRIGHTRUN_TEST_DATABASE_URL
let server
let client
let cloud
let trained

before(async () => {
  const python = trainerPython()
  if (!databaseUrl || !python) return
  server = await startS3Server()
  if (!server) return
  client = await BrightRun.open({
    home: tempDir(),
    databaseUrl,
    storageUrl: server.url,
    worker: true,
    workerCommand: [python, '-m', 'brightrun_trainer'],
  })
  cloud = client.forUser(randomUUID())
  const dataset = await cloud.datasets.wait((await cloud.datasets.create({ path: CHAT, name: 'on-s3' })).id)
  const job = await cloud.jobs.wait((await cloud.jobs.create({ datasetId: dataset.id, baseModel: 'smoke', ...QUICK })).id)
  trained = { dataset, job }
})

after(async () => {
  await client?.close()
  await server?.stop()
})

function ready(t) {
  if (cloud) return true
  missing(t, 'BRIGHTRUN_TEST_DATABASE_URL, BRIGHTRUN_TEST_S3_SERVER and BRIGHTRUN_TRAINER_PYTHON are needed')
  return false
}

test('a job trains on PostgreSQL and S3', async (t) => {
  if (!ready(t)) return
  assert.equal(trained.dataset.status, 'ready')
  assert.equal(trained.job.status, 'completed', trained.job.errorMessage)
  assert.deepEqual((await cloud.models.list()).items.map((m) => m.id), [trained.job.artifactId])
  const kinds = (await cloud.notifications.list()).items.map((n) => n.notificationType)
  assert.ok(kinds.includes('dataset_ready') && kinds.includes('job_complete'), kinds.join(','))
})

test('the adapter downloads through signed URLs, and a tampered one is refused', async (t) => {
  if (!ready(t)) return
  const modelId = trained.job.artifactId
  const downloads = await cloud.models.downloadUrls(modelId, { expiresIn: 600 })
  const out = join(tempDir(), 'adapter')
  await cloud.models.download(modelId, out)
  for (const file of downloads) {
    assert.equal(file.location.kind, 'signed_url')
    assert.equal(createHash('sha256').update(readFileSync(join(out, file.name))).digest('hex'), file.sha256)
  }
  const [head, signature] = downloads[0].location.url.split('X-Amz-Signature=')
  const tampered = `${head}X-Amz-Signature=${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`
  assert.equal((await fetch(tampered)).status, 403)
  assert.equal((await fetch(downloads[0].location.url)).status, 200)
})

test('a queued job is cancelled on PostgreSQL', async (t) => {
  if (!ready(t)) return
  const job = await cloud.jobs.create({ datasetId: trained.dataset.id, baseModel: 'smoke', ...QUICK })
  await cloud.jobs.cancel(job.id)
  const final = await cloud.jobs.wait(job.id)
  assert.ok(['cancelled', 'completed'].includes(final.status), final.status)
  await assert.rejects(cloud.jobs.cancel(job.id), { code: 'job_finished' })
})

test("another user's ids are not found on S3", async (t) => {
  if (!ready(t)) return
  const stranger = client.forUser(randomUUID())
  await assert.rejects(stranger.models.downloadUrls(trained.job.artifactId), NotFoundError)
  await assert.rejects(stranger.jobs.retrieve(trained.job.id), NotFoundError)
  await assert.rejects(stranger.datasets.report(trained.dataset.id), NotFoundError)
})
