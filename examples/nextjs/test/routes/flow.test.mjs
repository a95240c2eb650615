// The whole product through plain HTTP, as curl would drive it: upload a dataset, estimate,
// train the smoke model with the reference trainer, follow it (metrics, events), download
// the adapter (sha256 checked), costs and notifications; then the model, cost and
// notification routes' bad input (400) and another user's ids (404).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { QUICK, badField, notFound, sha256, startServer, uploadDataset, user, waitFor, withoutTrainer } from './server.mjs'

const skip = withoutTrainer()

let server, alice, bob, job, model

before(async () => {
  if (skip) return
  server = await startServer()
  alice = user(server.url, 'alice')
  bob = user(server.url, 'bob')
})
after(() => server?.stop())

test('upload, estimate, train, follow, download: the flow over HTTP', { skip, timeout: 600_000 }, async () => {
  const dataset = await uploadDataset(alice)
  assert.equal(dataset.status, 'ready')
  const jobBody = { dataset_id: dataset.id, preset: 'balanced', base_model: 'smoke', gpu_type: 'CPU', gpu_count: 1, hyperparameters: QUICK }
  const estimate = await alice.call('POST', '/api/jobs/estimate', jobBody)
  assert.equal(estimate.status, 200)
  const created = await alice.call('POST', '/api/jobs', jobBody)
  assert.equal(created.status, 201)
  const read = async () => (await alice.call('GET', `/api/jobs/${created.body.data.job.id}`)).body.data.job
  job = await waitFor(read, (j) => ['completed', 'failed', 'cancelled'].includes(j.status), 480_000, 'the training')
  assert.equal(job.status, 'completed', `${job.errorType}: ${job.errorMessage}\n${server.log().slice(-3000)}`)
  assert.equal(job.progressPercent, 100)
  assert.match(job.finalCost, /^\d+(\.\d+)?$/, 'an exact decimal string')

  const metrics = (await alice.call('GET', `/api/jobs/${job.id}/metrics?max_points=100`)).body.data.metrics
  assert.ok(metrics.length > 0 && metrics.every((m) => typeof m.step === 'number'))

  const stream = await fetch(`${server.url}/api/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${alice.bearer}` } })
  const text = await stream.text()
  assert.match(text, /^event: job\ndata: /)
  assert.match(text, /"event":\{[^\n]*"event":"metric"/)
  assert.match(text, /"event":\{[^\n]*"event":"completed"/)
  assert.match(text, /event: end\ndata: \{[^\n]*"status":"completed"/)

  const models = await alice.call('GET', '/api/models')
  assert.equal(models.status, 200)
  assert.equal(models.body.data.total, 1)
  model = models.body.data.models[0]
  assert.equal(model.id, job.artifactId)
  const files = (await alice.call('GET', `/api/models/${model.id}/download`)).body.data.files
  assert.ok(files.some((f) => f.name === 'adapter_model.safetensors'))
  for (const file of files) {
    assert.equal(file.url, `/api/models/${model.id}/files/${encodeURIComponent(file.name)}`)
    assert.equal(file.expiresAt, null)
    const response = await fetch(`${server.url}${file.url}`, { headers: { authorization: `Bearer ${alice.bearer}` } })
    assert.equal(response.status, 200)
    assert.equal(Number(response.headers.get('content-length')), file.bytes)
    const bytes = Buffer.from(await response.arrayBuffer())
    assert.equal(bytes.length, file.bytes)
    assert.equal(sha256(bytes), file.sha256, `${file.name}: the bytes downloaded are the adapter's`)
  }

  const costs = await alice.call('GET', '/api/costs')
  assert.equal(costs.status, 200)
  assert.match(costs.body.data.summary.month.total, /^\d+(\.\d+)?$/)
  assert.ok(Array.isArray(costs.body.data.history))

  const notifications = await alice.call('GET', '/api/notifications?unread=true')
  assert.ok(notifications.body.data.unreadCount >= 1)
  assert.ok(notifications.body.data.notifications.some((n) => n.notificationType === 'job_complete'), JSON.stringify(notifications.body.data.notifications))
  const marked = await alice.call('POST', '/api/notifications/read-all')
  assert.equal(marked.status, 200)
  assert.equal(marked.body.data.marked, notifications.body.data.unreadCount)
  assert.equal((await alice.call('GET', '/api/notifications')).body.data.unreadCount, 0)
})

test('models: read, rename, archive; bad input; files by name only', { skip }, async () => {
  assert.ok(model, 'the flow trained a model')
  const got = await alice.call('GET', `/api/models/${model.id}`)
  assert.equal(got.body.data.model.id, model.id)
  const renamed = await alice.call('PATCH', `/api/models/${model.id}`, { name: 'support adapter', description: 'v1' })
  assert.equal(renamed.status, 200)
  assert.equal(renamed.body.data.model.name, 'support adapter')
  badField(assert, await alice.call('PATCH', `/api/models/${model.id}`, {}), 'body')
  badField(assert, await alice.call('PATCH', `/api/models/${model.id}`, { status: 'gone' }), 'status')
  badField(assert, await alice.call('PATCH', `/api/models/${model.id}`, { name: ['x'] }), 'name')
  badField(assert, await alice.call('GET', '/api/models?limit=-1'), 'limit')
  badField(assert, await alice.call('GET', '/api/models?status=lost'), 'status')
  const page = await alice.call('GET', '/api/models?status=stored&page=1&limit=10')
  assert.deepEqual(
    { total: page.body.data.total, page: page.body.data.page, limit: page.body.data.limit, totalPages: page.body.data.totalPages },
    { total: 1, page: 1, limit: 10, totalPages: 1 },
  )
  for (const name of ['..%2F..%2Fbrightrun.db', 'adapter_config.json%00', 'nothing.bin']) {
    notFound(assert, await alice.call('GET', `/api/models/${model.id}/files/${name}`))
  }
})

test('costs: the budget is set, kept and cleared; bad amounts name the field', { skip }, async () => {
  const set = await alice.call('PUT', '/api/costs/budget', { monthly_budget: '12.50', alert_threshold_percent: 75, per_job_cost_cap: '2' })
  assert.equal(set.status, 200)
  assert.deepEqual(set.body.data.budget, { monthlyBudget: '12.50', alertThresholdPercent: 75, perJobCostCap: '2' })
  const kept = await alice.call('PUT', '/api/costs/budget', { monthly_budget: '20' })
  assert.deepEqual(kept.body.data.budget, { monthlyBudget: '20', alertThresholdPercent: 75, perJobCostCap: '2' })
  const cleared = await alice.call('PUT', '/api/costs/budget', { per_job_cost_cap: null })
  assert.deepEqual(cleared.body.data.budget, { monthlyBudget: '20', alertThresholdPercent: 75 })
  const summary = (await alice.call('GET', '/api/costs?months=3')).body.data
  assert.equal(summary.budget.monthlyBudget, '20')
  assert.equal(summary.history.length, 3)
  badField(assert, await alice.call('PUT', '/api/costs/budget', { monthly_budget: -5 }), 'monthly_budget')
  badField(assert, await alice.call('PUT', '/api/costs/budget', { monthly_budget: '1e3' }), 'monthly_budget')
  assert.equal(badField(assert, await alice.call('PUT', '/api/costs/budget', { alert_threshold_percent: 0 }), 'alert_threshold_percent').details.allowed, '1 to 100')
  badField(assert, await alice.call('PUT', '/api/costs/budget', { budget: 5 }), 'budget')
  badField(assert, await alice.call('GET', '/api/costs?months=0'), 'months')
  const theirs = (await bob.call('GET', '/api/costs')).body.data
  assert.equal(theirs.budget.monthlyBudget, undefined, "another user's budget is their own")
  assert.match(theirs.summary.month.total, /^0(\.0+)?$/, 'nothing spent')
})

test('notifications: read one; bad input; another user cannot see or mark them', { skip }, async () => {
  const list = (await alice.call('GET', '/api/notifications?limit=50')).body.data
  assert.ok(list.total >= 1 && list.notifications.length === list.total)
  const one = list.notifications[0]
  const read = await alice.call('POST', `/api/notifications/${one.id}/read`)
  assert.equal(read.status, 200)
  assert.equal(read.body.data.notification.id, one.id)
  assert.ok(read.body.data.notification.readAt)
  badField(assert, await alice.call('GET', '/api/notifications?unread=maybe'), 'unread')
  badField(assert, await alice.call('GET', '/api/notifications?page=-1'), 'page')
  notFound(assert, await bob.call('POST', `/api/notifications/${one.id}/read`))
  notFound(assert, await alice.call('POST', '/api/notifications/not-an-id/read'))
  assert.equal((await bob.call('GET', '/api/notifications')).body.data.total, 0)
  assert.equal((await bob.call('POST', '/api/notifications/read-all')).body.data.marked, 0)
})

test("another user's model and its files are not found", { skip }, async () => {
  notFound(assert, await bob.call('GET', `/api/models/${model.id}`))
  notFound(assert, await bob.call('PATCH', `/api/models/${model.id}`, { name: 'mine' }))
  notFound(assert, await bob.call('GET', `/api/models/${model.id}/download`))
  notFound(assert, await bob.call('GET', `/api/models/${model.id}/files/adapter_config.json`))
  assert.equal((await bob.call('GET', '/api/models')).body.data.total, 0)
})
