// The BrightRun client over the embedded default (SQLite + local storage) with the real
// trainer and the smoke model: the whole lifecycle, uploads from a path, a Buffer and a
// stream, live events, cancel, a failed job, another user's ids, and results equal to the
// CLI's --json for the same home.
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'

import { BrightRun, BrightRunError, LOCAL_USER, NotFoundError } from '../index.mjs'
import { CHAT, QUICK, cliJsonAt, failingWorker, missing, tempDir, trainerPython } from './client-support.mjs'
import { camelize, withoutNulls } from './helpers.mjs'

const TERMINAL = ['completed', 'failed', 'cancelled']

describe('BrightRun on the embedded default with the real trainer', () => {
  const home = tempDir()
  let br
  let trained

  before(async () => {
    const python = trainerPython()
    if (!python) return
    br = await BrightRun.open({ home, workerCommand: [python, '-m', 'brightrun_trainer'] })
  })

  after(async () => {
    await br?.close()
  })

  /** Skips (or fails under CI) without a trainer. */
  function ready(t) {
    return br || !missing(t, 'no reference trainer: set BRIGHTRUN_TRAINER_PYTHON (scripts/python-env)')
  }

  test('the embedded default runs a worker for the local user', (t) => {
    if (!ready(t)) return
    assert.equal(br.workerRunning, true)
    assert.equal(br.userId, LOCAL_USER)
    assert.equal(br.describe().database, 'sqlite')
  })

  test('a dataset uploads from a path, is validated, and a job trains with live events', async (t) => {
    if (!ready(t)) return
    const created = await br.datasets.create({ path: CHAT, name: 'support-bot' })
    assert.equal(created.status, 'validating')
    assert.equal(created.fileName, 'sample_chat.jsonl')
    const seen = []
    const dataset = await br.datasets.wait(created.id, { onProgress: (d) => seen.push(d.status) })
    assert.equal(dataset.status, 'ready')
    assert.equal(dataset.trainingReady, true)
    assert.equal(dataset.fileSize, readFileSync(CHAT).length)
    assert.ok(seen.length >= 1 && seen.at(-1) === 'ready')
    assert.match(dataset.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    const report = await br.datasets.report(dataset.id)
    assert.equal(report.valid, true)
    assert.ok(report.stats.conversations > 0)
    assert.ok(Object.keys(report.counts).every((code) => /^[a-z0-9_]+$/.test(code)), 'codes stay snake_case')

    const estimate = await br.jobs.estimate({ datasetId: dataset.id, loraRank: 8 })
    assert.equal(typeof estimate.cost.total, 'string')
    assert.equal(estimate.hyperparameters.loraRank, 8)

    const job = await br.jobs.create({ datasetId: dataset.id, preset: 'balanced', baseModel: 'smoke', ...QUICK })
    assert.equal(job.status, 'queued')
    assert.equal(job.preset, 'custom')
    const events = []
    for await (const line of br.jobs.events(job.id)) if (line.event) events.push(line.event.event)
    assert.ok(events.includes('started'), events.join(','))
    assert.equal(events.at(-1), 'completed')

    const progress = []
    const done = await br.jobs.wait(job.id, { onProgress: (j) => progress.push(j.status) })
    assert.equal(done.status, 'completed', done.errorMessage)
    assert.ok(progress.length >= 1 && progress.at(-1) === 'completed')
    assert.equal(done.currentStep, done.totalSteps)
    assert.ok(done.totalSteps > 0)
    assert.match(done.finalCost, /^\d+(\.\d+)?$/)
    assert.ok(done.artifactId)
    trained = { dataset, job: done }
  })

  test('metrics and events follow the run', async (t) => {
    if (!ready(t) || !trained) return
    const metrics = await br.jobs.metrics(trained.job.id, { maxPoints: 100 })
    assert.ok(metrics.length > 0 && metrics.length <= 100)
    assert.ok(metrics.every((p) => typeof p.trainingLoss === 'number'))
    const page = await br.jobs.eventPage(trained.job.id)
    assert.ok(page.lines.some((l) => l.event?.event === 'metric'))
    assert.deepEqual((await br.jobs.eventPage(trained.job.id, page.cursor)).lines, [])
  })

  test('the model downloads with every file checked', async (t) => {
    if (!ready(t) || !trained) return
    const modelId = trained.job.artifactId
    const model = await br.models.retrieve(modelId)
    assert.equal(model.jobId, trained.job.id)
    const listed = await br.models.list()
    assert.deepEqual(listed.items.map((m) => m.id), [modelId])
    const out = join(tempDir(), 'adapter')
    const saved = await br.models.download(modelId, out)
    const names = saved.map((p) => p.split('/').at(-1))
    assert.ok(names.includes('adapter_model.safetensors') && names.includes('adapter_config.json'))
    for (const file of model.files) {
      assert.equal(createHash('sha256').update(readFileSync(join(out, file.name))).digest('hex'), file.sha256)
    }
    const renamed = await br.models.update(modelId, { name: 'support-bot-v1' })
    assert.equal(renamed.name, 'support-bot-v1')
  })

  test('costs and notifications', async (t) => {
    if (!ready(t) || !trained) return
    const summary = await br.costs.summary()
    assert.equal(typeof summary.month.total, 'string')
    assert.equal((await br.costs.history({ months: 3 })).length, 3)
    const budget = await br.costs.setBudget({ monthly: '50', alertThresholdPercent: 75, perJobCap: 5.5 })
    assert.deepEqual([budget.monthlyBudget, budget.perJobCostCap], ['50', '5.5'])
    assert.deepEqual(await br.costs.budget(), budget)
    const page = await br.notifications.list()
    assert.ok(page.items.map((n) => n.notificationType).includes('job_complete'))
    assert.equal((await br.notifications.markRead(page.items[0].id)).read, true)
    await br.notifications.markAllRead()
    assert.equal(await br.notifications.unreadCount(), 0)
    assert.deepEqual((await br.notifications.list({ unread: true })).items, [])
  })

  test('results equal the CLI --json', async (t) => {
    if (!ready(t) || !trained) return
    const { job } = trained
    // Free-form JSON (a job's backend handle, a notification's metadata) is kept as the
    // core wrote it; every record field is camelCase.
    const expected = (cli, raw) =>
      withoutNulls({ ...camelize(cli), ...Object.fromEntries(raw.map(([field, key]) => [field, cli[key]])) })
    const same = (ours, cli, raw = []) => assert.deepEqual(withoutNulls(ours), expected(cli, raw))
    const HANDLE = [['backendHandle', 'backend_handle']]
    const jobs = await br.jobs.list({ limit: 20 })
    const cliJobs = cliJsonAt(home, 'jobs')
    same({ ...jobs, items: [] }, { ...cliJobs, items: [] })
    assert.equal(jobs.items.length, cliJobs.items.length)
    jobs.items.forEach((ours, i) => same(ours, cliJobs.items[i], HANDLE))
    const shown = cliJsonAt(home, 'job', job.id)
    same(await br.jobs.retrieve(job.id), shown.job, HANDLE)
    same(await br.models.retrieve(job.artifactId), shown.model)
    same(await br.models.list(), cliJsonAt(home, 'models'))
    same(await br.costs.summary(), cliJsonAt(home, 'costs'))
    const notifications = (await br.notifications.list()).items
    const cliNotifications = cliJsonAt(home, 'notifications').items
    assert.equal(notifications.length, cliNotifications.length)
    notifications.forEach((ours, i) => same(ours, cliNotifications[i], [['metadata', 'metadata']]))
  })

  test('a Buffer and a stream upload without a file, and the format is recognised', async (t) => {
    if (!ready(t)) return
    const bytes = readFileSync(CHAT)
    const fromBuffer = await br.datasets.create({ data: bytes, fileName: 'chat.jsonl', name: 'from-buffer' })
    assert.equal(fromBuffer.status, 'validating')
    assert.equal(fromBuffer.format, 'chat')
    assert.equal(fromBuffer.fileSize, bytes.length)
    // A web ReadableStream of small chunks, and a Node stream (an async iterable).
    const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000))
    const web = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk))
        controller.close()
      },
    })
    const fromWeb = await br.datasets.create({ data: web, fileName: 'web.jsonl' })
    const fromNode = await br.datasets.create({ data: Readable.from(chunks), fileName: 'node.jsonl', format: 'chat' })
    const gzipped = await br.datasets.create({ data: gzipSync(bytes), fileName: 'chat.jsonl.gz' })
    assert.equal(gzipped.format, 'chat')
    await br.datasets.delete(gzipped.id)
    for (const d of [fromWeb, fromNode]) {
      assert.equal(d.fileSize, bytes.length)
      const validated = await br.datasets.wait(d.id)
      assert.equal(validated.status, 'ready')
      assert.equal(validated.totalTrainingPairs, (await br.datasets.retrieve(fromBuffer.id)).totalTrainingPairs)
    }
    const renamed = await br.datasets.update(fromBuffer.id, { name: 'renamed', description: 'from memory' })
    assert.deepEqual([renamed.name, renamed.description], ['renamed', 'from memory'])
    assert.equal((await br.datasets.update(fromBuffer.id, { description: null })).description, undefined)
    await br.datasets.delete(fromBuffer.id)
    await assert.rejects(br.datasets.retrieve(fromBuffer.id), NotFoundError)
  })

  test('an aborted stream upload leaves no dataset', async (t) => {
    if (!ready(t)) return
    const controller = new AbortController()
    const before = (await br.datasets.list({ limit: 100 })).total
    // More than one part (8 MiB), so the store has begun a multipart upload when it aborts.
    const bytes = readFileSync(CHAT)
    async function* slow() {
      for (let sent = 0; sent < 12 * 1024 * 1024; sent += bytes.length) yield bytes
      controller.abort()
      yield bytes
    }
    await assert.rejects(br.datasets.create({ data: slow(), fileName: 'aborted.jsonl', signal: controller.signal }), {
      name: 'AbortError',
    })
    const left = await br.datasets.list({ limit: 100 })
    assert.equal(left.total, before)
    // Nothing half-written: no stored file (or multipart staging file) of the aborted upload.
    const stored = join(home, 'storage', 'datasets', LOCAL_USER)
    const files = existsSync(stored) ? readdirSync(stored, { recursive: true }) : []
    assert.ok(files.length > 0)
    assert.deepEqual(files.filter((path) => path.includes('aborted')), [])
  })

  test('a running job is cancelled', async (t) => {
    if (!ready(t) || !trained) return
    const job = await br.jobs.create({ datasetId: trained.dataset.id, epochs: 3 })
    // Cancel once it runs (or as soon as it is taken), not while queued.
    for await (const line of br.jobs.events(job.id)) if (line.event?.event === 'started') break
    const cancelled = await br.jobs.cancel(job.id)
    assert.ok(['cancelled', 'running', 'initializing'].includes(cancelled.status), cancelled.status)
    const final = await br.jobs.wait(job.id)
    assert.ok(['cancelled', 'completed'].includes(final.status), final.status)
    await assert.rejects(br.jobs.cancel(job.id), { code: 'job_finished' })
  })

  test("another user's ids are not found", async (t) => {
    if (!ready(t) || !trained) return
    const other = br.forUser(randomUUID())
    const { dataset, job } = trained
    const calls = [
      () => other.datasets.retrieve(dataset.id),
      () => other.datasets.report(dataset.id),
      () => other.datasets.delete(dataset.id),
      () => other.jobs.retrieve(job.id),
      () => other.jobs.cancel(job.id),
      () => other.jobs.eventPage(job.id),
      () => other.models.retrieve(job.artifactId),
      () => other.models.downloadUrls(job.artifactId),
      () => br.jobs.retrieve('not-a-uuid'),
    ]
    for (const call of calls) {
      await assert.rejects(call(), (error) => {
        assert.ok(error instanceof NotFoundError && error instanceof BrightRunError)
        assert.equal(error.code, 'not_found')
        return true
      })
    }
    assert.equal((await other.jobs.list()).total, 0)
  })

  test('bad input has a code', async (t) => {
    if (!ready(t) || !trained) return
    const id = trained.dataset.id
    await assert.rejects(br.datasets.update(id, { name: '   ' }), { code: 'invalid_text' })
    await assert.rejects(br.jobs.estimate({ datasetId: id, loraRank: 0 }), { code: 'invalid_hyperparameters' })
    await assert.rejects(br.jobs.estimate({ datasetId: id, gpu: 'TPU-9000' }), { code: 'unknown_gpu' })
    await assert.rejects(br.jobs.create({ datasetId: id, loraRnak: 8 }), { code: 'invalid_arguments', message: /lora_rnak/ })
    await assert.rejects(br.costs.setBudget({ monthly: '-1' }), { code: 'invalid_budget' })
    await assert.rejects(br.datasets.create({ data: Buffer.from('hello'), fileName: 'x.txt' }), { code: 'unknown_dataset_format' })
    await assert.rejects(br.datasets.create({ data: Buffer.from('x') }), { code: 'invalid_arguments' })
    await assert.rejects(BrightRun.open({ hom: home }), { code: 'invalid_arguments' })
    await assert.rejects(br.forUser('nobody').jobs.list(), { code: 'invalid_user_id' })
    await assert.rejects(br.jobs.wait(trained.job.id, { timeoutMs: -1 }), { code: 'invalid_arguments' })
  })
})

test('a failed worker fails the job', async (t) => {
  const python = trainerPython()
  if (!python && missing(t, 'no Python for the failing worker: set BRIGHTRUN_TRAINER_PYTHON')) return
  const br = await BrightRun.open({ home: tempDir(), workerCommand: failingWorker(python) })
  try {
    const dataset = await br.datasets.wait((await br.datasets.create({ path: CHAT })).id)
    const job = await br.jobs.wait((await br.jobs.create({ datasetId: dataset.id, ...QUICK })).id)
    assert.equal(job.status, 'failed')
    assert.equal(job.errorType, 'dataset_error')
    assert.match(job.errorMessage, /always fails/)
    assert.ok((await br.notifications.list()).items.map((n) => n.notificationType).includes('job_failed'))
  } finally {
    await br.close()
  }
})

test('a client without a worker runs passes by hand, and runWorker stops on abort', async () => {
  const br = await BrightRun.open({ home: tempDir(), worker: false })
  assert.equal(br.workerRunning, false)
  const created = await br.datasets.create({ path: CHAT })
  const pass = await br.runOnce()
  assert.equal(pass.datasetsValidated, 1)
  assert.equal((await br.datasets.retrieve(created.id)).status, 'ready')
  const controller = new AbortController()
  const running = br.runWorker({ signal: controller.signal, pollIntervalMs: 20 })
  controller.abort()
  await assert.rejects(running, { name: 'AbortError' })
  assert.equal(br.workerRunning, false)
  await br.close()
  await assert.rejects(br.datasets.list(), { code: 'client_closed' })
})

test('waits and events stop when their signal aborts', async () => {
  const br = await BrightRun.open({ home: tempDir(), worker: false })
  try {
    const created = await br.datasets.create({ data: readFileSync(CHAT), fileName: 'chat.jsonl' })
    const controller = new AbortController()
    const waiting = br.datasets.wait(created.id, { signal: controller.signal, pollIntervalMs: 10 })
    controller.abort()
    await assert.rejects(waiting, { name: 'AbortError' })
    await assert.rejects(br.datasets.wait(created.id, { timeoutMs: 0, pollIntervalMs: 10 }), { code: 'timeout' })
    await br.runOnce()
    const job = await br.jobs.create({ datasetId: created.id })
    const events = br.jobs.events(job.id, { signal: AbortSignal.abort(), pollIntervalMs: 10 })
    await assert.rejects(events.next(), { name: 'AbortError' })
  } finally {
    await br.close()
  }
})

test('fromEnv reads BRIGHTRUN_HOME and BRIGHTRUN_RUN_WORKER', async () => {
  const saved = { ...process.env }
  try {
    process.env.BRIGHTRUN_HOME = tempDir()
    process.env.BRIGHTRUN_RUN_WORKER = '0'
    delete process.env.BRIGHTRUN_DATABASE_URL
    delete process.env.BRIGHTRUN_STORAGE_URL
    const br = await BrightRun.fromEnv()
    assert.equal(br.describe().home, process.env.BRIGHTRUN_HOME)
    assert.equal(br.workerRunning, false)
    await br.close()
    process.env.BRIGHTRUN_RUN_WORKER = 'maybe'
    await assert.rejects(BrightRun.fromEnv(), { code: 'invalid_worker' })
  } finally {
    process.env = saved
  }
})
