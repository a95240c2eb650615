// The job routes: estimate, create, list, read, metrics, events and cancel; bad input (400
// naming the field and its range), another user's id (404).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { QUICK, badField, notFound, startServer, uploadDataset, user, waitFor, withoutTrainer } from './server.mjs'

let server, alice, bob, dataset

/** The job body of the table. */
const body = (overrides = {}) => ({ dataset_id: dataset.id, preset: 'balanced', base_model: 'smoke', gpu_type: 'CPU', gpu_count: 1, hyperparameters: QUICK, ...overrides })

before(async () => {
  server = await startServer()
  alice = user(server.url, 'alice')
  bob = user(server.url, 'bob')
  dataset = await uploadDataset(alice)
  assert.equal(dataset.status, 'ready')
})
after(() => server?.stop())

/** Reads an event stream to its end: `[{event, data}]`. */
async function events(caller, path) {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${caller.bearer}` } })
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type'), /^text\/event-stream/)
  const text = await response.text()
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message'
      return { event, data: JSON.parse(/^data: (.*)$/m.exec(block)[1]) }
    })
}

test('POST /api/jobs/estimate answers duration range, cost, memory fit and advice', async () => {
  const answer = await alice.call('POST', '/api/jobs/estimate', body())
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  const { estimate } = answer.body.data
  assert.ok(estimate.durationHours.low <= estimate.durationHours.expected && estimate.durationHours.expected <= estimate.durationHours.high)
  assert.equal(typeof estimate.cost.total, 'string', 'money is a decimal string')
  assert.ok('memory' in estimate && Array.isArray(estimate.warnings))
  assert.equal(estimate.hyperparameters.epochs, 1)
  const longer = (await alice.call('POST', '/api/jobs/estimate', body({ hyperparameters: { ...QUICK, epochs: 3 } }))).body.data.estimate
  assert.ok(longer.durationHours.expected > estimate.durationHours.expected, 'more epochs take longer')
})

test('estimate and create refuse bad bodies, naming the field and its range', async () => {
  for (const path of ['/api/jobs/estimate', '/api/jobs']) {
    const rank = badField(assert, await alice.call('POST', path, body({ hyperparameters: { lora_rank: 0 } })), 'hyperparameters.lora_rank')
    assert.equal(rank.details.code, 'invalid_hyperparameters')
    assert.equal(rank.details.allowed, '1 to 512')
    const both = await alice.call('POST', path, body({ hyperparameters: { lora_rank: 0, epochs: 1000 } }))
    assert.equal(both.status, 400)
    assert.deepEqual(both.body.details.fields.map((f) => [f.field, f.value, f.allowed]).sort(), [
      ['hyperparameters.epochs', '1000', '1 to 100'],
      ['hyperparameters.lora_rank', '0', '1 to 512'],
    ])
    badField(assert, await alice.call('POST', path, body({ hyperparameters: { model_config: '/etc/passwd' } })), 'hyperparameters.model_config')
    badField(assert, await alice.call('POST', path, body({ hyperparameters: { epochs: 'many' } })), 'hyperparameters.epochs')
    badField(assert, await alice.call('POST', path, body({ hyperparameters: [1] })), 'hyperparameters')
    badField(assert, await alice.call('POST', path, body({ dataset_id: undefined })), 'dataset_id')
    badField(assert, await alice.call('POST', path, body({ gpu_count: 0 })), 'gpu_count')
    const nine = badField(assert, await alice.call('POST', path, body({ gpu_count: 9 })), 'gpu_count')
    assert.match(nine.error, /1 to 8/)
    badField(assert, await alice.call('POST', path, body({ gpu_type: 'Z80' })), 'gpu_type')
    badField(assert, await alice.call('POST', path, body({ preset: 'reckless' })), 'preset')
    badField(assert, await alice.call('POST', path, body({ base_model: 'no/such-model' })), 'base_model')
    badField(assert, await alice.call('POST', path, body({ price_per_gpu_hour: 'cheap' })), 'price_per_gpu_hour')
    badField(assert, await alice.call('POST', path, body({ tokens: 5 })), 'tokens')
  }
})

test('a dataset that is not ready cannot be trained on (409)', async () => {
  const created = await alice.call('POST', '/api/datasets', { name: 'pending', file_name: 'a.jsonl', file_size: 10 })
  const answer = await alice.call('POST', '/api/jobs/estimate', body({ dataset_id: created.body.data.dataset.id }))
  assert.equal(answer.status, 409)
  assert.equal(answer.body.details.code, 'dataset_not_ready')
})

test('a job is created, listed, read, followed and cancelled', { skip: withoutTrainer() }, async () => {
  const created = await alice.call('POST', '/api/jobs', body({ hyperparameters: { ...QUICK, epochs: 100 } }))
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const { job } = created.body.data
  assert.equal(job.status, 'queued')
  assert.equal(job.datasetId, dataset.id)
  assert.equal('backendHandle' in job, false, 'the backend handle stays inside')

  const list = await alice.call('GET', '/api/jobs?limit=5')
  assert.equal(list.status, 200)
  assert.ok(list.body.data.jobs.some((j) => j.id === job.id))
  assert.equal(list.body.data.page, 1)
  assert.equal(list.body.data.limit, 5)
  assert.equal((await alice.call('GET', `/api/jobs?dataset_id=${dataset.id}`)).body.data.jobs[0].id, job.id)
  badField(assert, await alice.call('GET', '/api/jobs?status=sleeping'), 'status')
  badField(assert, await alice.call('GET', '/api/jobs?limit=1000'), 'limit')

  const detail = await alice.call('GET', `/api/jobs/${job.id}`)
  assert.equal(detail.status, 200)
  assert.equal(detail.body.data.job.id, job.id)
  assert.equal(detail.body.data.dataset.id, dataset.id)
  assert.ok('progressPercent' in detail.body.data.job && 'currentCost' in detail.body.data.job)

  const metrics = await alice.call('GET', `/api/jobs/${job.id}/metrics?max_points=50&series=training_loss`)
  assert.equal(metrics.status, 200)
  assert.ok(Array.isArray(metrics.body.data.metrics))
  assert.equal(badField(assert, await alice.call('GET', `/api/jobs/${job.id}/metrics?max_points=1`), 'max_points').details.allowed, '2 to 5000')
  badField(assert, await alice.call('GET', `/api/jobs/${job.id}/metrics?series=vibes`), 'series')

  const cancelled = await alice.call('POST', `/api/jobs/${job.id}/cancel`)
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
  const ended = await waitFor(async () => (await alice.call('GET', `/api/jobs/${job.id}`)).body.data.job, (j) => ['cancelled', 'failed', 'completed'].includes(j.status), 120_000, 'the cancellation')
  assert.equal(ended.status, 'cancelled')
  const again = await alice.call('POST', `/api/jobs/${job.id}/cancel`)
  assert.equal(again.status, 409)
  assert.equal(again.body.details.code, 'job_finished')

  const stream = await events(alice, `/api/jobs/${job.id}/events`)
  assert.equal(stream[0].event, 'job')
  assert.equal(stream[0].data.id, job.id)
  assert.equal(stream.at(-1).event, 'end')
  assert.equal(stream.at(-1).data.status, 'cancelled')
  for (const line of stream.slice(1, -1)) assert.ok('event' in line.data || 'log' in line.data, JSON.stringify(line))
})

test("another user's job or dataset is not found by any job route", async () => {
  const created = await alice.call('POST', '/api/jobs', body())
  const id = created.body.data.job.id
  notFound(assert, await bob.call('GET', `/api/jobs/${id}`))
  notFound(assert, await bob.call('GET', `/api/jobs/${id}/metrics`))
  notFound(assert, await bob.call('GET', `/api/jobs/${id}/events`))
  notFound(assert, await bob.call('POST', `/api/jobs/${id}/cancel`))
  notFound(assert, await bob.call('POST', '/api/jobs/estimate', body()))
  notFound(assert, await bob.call('POST', '/api/jobs', body()))
  notFound(assert, await bob.call('GET', '/api/jobs/00000000-0000-4000-8000-000000000009'))
  assert.equal((await bob.call('GET', '/api/jobs')).body.data.total, 0)
  assert.notEqual((await alice.call('GET', `/api/jobs/${id}`)).body.data.job.status, 'cancelled', 'untouched by the other user')
})

test('the events of a running job come live, and an aborted request stops them', { skip: withoutTrainer(), timeout: 300_000 }, async () => {
  const created = await alice.call('POST', '/api/jobs', body({ hyperparameters: { ...QUICK, epochs: 20 } }))
  const id = created.body.data.job.id
  const controller = new AbortController()
  const response = await fetch(`${server.url}/api/jobs/${id}/events`, { headers: { authorization: `Bearer ${alice.bearer}` }, signal: controller.signal })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let text = ''
  while (!/"event":"metric"/.test(text)) {
    const { value, done } = await reader.read()
    assert.equal(done, false, `the stream ended before any metric: ${text}`)
    text += value
  }
  assert.match(text, /^event: job\n/)
  assert.doesNotMatch(text, /event: end/, 'live: the job still runs')
  controller.abort()
  await reader.cancel().catch(() => {})
  assert.equal((await alice.call('GET', `/api/jobs/${id}`)).status, 200, 'the server carries on')
  assert.equal((await alice.call('POST', `/api/jobs/${id}/cancel`)).status, 200)
})

test('GET /api/catalog lists the presets, GPUs, base models and hyperparameters a job is configured with', async () => {
  const answer = await alice.call('GET', '/api/catalog')
  assert.equal(answer.status, 200)
  const { presets, gpus, baseModels, hyperparameters } = answer.body.data
  const rank = hyperparameters.find((spec) => spec.name === 'lora_rank')
  assert.deepEqual([rank.kind, rank.range], ['integer', { min: 1, max: 512 }])
  assert.deepEqual(hyperparameters.find((spec) => spec.name === 'quantization').choices, ['none', '8bit', '4bit'])
  assert.deepEqual(presets.map((p) => p.name).sort(), ['aggressive', 'balanced', 'conservative', 'custom'])
  assert.ok(gpus.some((g) => g.name === 'CPU') && gpus.every((g) => typeof g.defaultPricePerHour === 'string'))
  assert.ok(baseModels.length > 0)
  const anonymous = await fetch(`${server.url}/api/catalog`)
  assert.equal(anonymous.status, 401, 'the catalog is behind the same authentication')
})
