// The client on PostgreSQL (BRIGHTRUN_TEST_DATABASE_URL) + local storage: the calls that
// need no training, each test as a fresh user so that runs never see each other's rows.
// Without the URL it prints SKIPPED, or fails under CI=true.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

import { BrightRun, NotFoundError } from '../index.mjs'
import { CHAT, missing, tempDir } from './client-support.mjs'

const url = process.env.BRIGHTRUN_TEST_DATABASE_URL
let client

before(async () => {
  if (!url) return
  const home = tempDir()
  // No orchestrator here: the database is shared, and one would claim other runs' work.
  client = await BrightRun.open({ home, databaseUrl: url, storageUrl: join(home, 'storage') })
})

after(async () => {
  await client?.close()
})

/** A fresh user of the PostgreSQL client, or null when the test must stop. */
function freshUser(t) {
  if (!client) {
    missing(t, 'BRIGHTRUN_TEST_DATABASE_URL is not set: the PostgreSQL client tests')
    return null
  }
  return client.forUser(randomUUID())
}

test('datasets, costs and notifications on PostgreSQL', async (t) => {
  const pg = freshUser(t)
  if (!pg) return
  assert.equal(client.workerRunning, false)
  assert.equal(client.describe().database, 'postgres')
  const dataset = await pg.datasets.create({ path: CHAT, name: 'pg' })
  assert.equal(dataset.status, 'validating')
  assert.equal(dataset.fileSize, readFileSync(CHAT).length)
  assert.equal(await pg.datasets.report(dataset.id), undefined)
  assert.deepEqual(await pg.datasets.retrieve(dataset.id), dataset)
  assert.deepEqual((await pg.datasets.list()).items.map((d) => d.id), [dataset.id])
  await assert.rejects(pg.jobs.estimate({ datasetId: dataset.id }), { code: 'dataset_not_ready' })
  assert.equal((await pg.datasets.update(dataset.id, { name: 'renamed' })).name, 'renamed')
  const streamed = await pg.datasets.create({ data: Readable(readFileSync(CHAT)), fileName: 'streamed.jsonl' })
  assert.equal(streamed.fileSize, readFileSync(CHAT).length)
  const budget = await pg.costs.setBudget({ monthly: '12.50' })
  assert.equal(budget.monthlyBudget, '12.50')
  assert.deepEqual(await pg.costs.budget(), budget)
  assert.deepEqual((await pg.costs.summary()).budget, budget)
  assert.equal((await pg.notifications.list()).total, 0)
  assert.equal(await pg.notifications.unreadCount(), 0)
  assert.equal((await pg.jobs.list()).total, 0)
  assert.equal((await pg.models.list()).total, 0)
  await pg.datasets.delete(dataset.id)
  await pg.datasets.delete(streamed.id)
  assert.equal((await pg.datasets.list()).total, 0)
})

test("another user's rows are not found on PostgreSQL", async (t) => {
  const pg = freshUser(t)
  if (!pg) return
  const dataset = await pg.datasets.create({ path: CHAT, name: 'mine' })
  const stranger = client.forUser(randomUUID())
  await assert.rejects(stranger.datasets.retrieve(dataset.id), NotFoundError)
  await assert.rejects(stranger.datasets.delete(dataset.id), { code: 'not_found' })
  assert.equal((await stranger.datasets.list()).total, 0)
})

/** A stream of `bytes` in chunks of 700 bytes. */
function Readable(bytes) {
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 700) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 700)))
      controller.close()
    },
  })
}
