// The whole lifecycle from Node: upload a dataset, wait for its validation, estimate, train
// the tiny `smoke` model on the CPU with live events, download the adapter, costs.
//
// Run: node examples/node/lifecycle.mjs [HOME]  (after `npm ci && npm run build` in
// bindings-node/; the trainer's Python from $BRIGHTRUN_TRAINER_PYTHON, else python3).
// In your own project: `import { BrightRun } from 'brightrun'`.
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { BrightRun, NotFoundError } from '../../bindings-node/index.mjs'

const home = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'brightrun-'))
const python = process.env.BRIGHTRUN_TRAINER_PYTHON ?? 'python3'
const path = new URL('../data/sample_chat.jsonl', import.meta.url).pathname

const br = await BrightRun.open({ home, workerCommand: [python, '-m', 'brightrun_trainer'] })
try {
  let ds = await br.datasets.create({ path, name: 'support-bot' })
  ds = await br.datasets.wait(ds.id, { timeoutMs: 300_000 })
  console.log(ds.status, ds.totalTrainingPairs, ds.totalTokens)
  const est = await br.jobs.estimate({ datasetId: ds.id, baseModel: 'smoke', epochs: 2 })
  console.log(est.cost.total, est.durationHours.expected.toFixed(4), est.memory.fits)

  const job = await br.jobs.create({ datasetId: ds.id, baseModel: 'smoke', epochs: 2 })
  for await (const line of br.jobs.events(job.id)) {
    const ev = line.event
    if (ev?.event === 'metric') console.log(`  step ${ev.step}/${ev.totalSteps} loss ${ev.loss?.toFixed(4)}`)
    else if (ev?.event === 'phase') console.log(`  phase ${ev.phase}`)
    else if (ev && ev.event !== 'artifact') console.log(`  ${ev.event}`)
  }
  const done = await br.jobs.wait(job.id)
  console.log(done.status, done.currentStep, done.totalSteps, done.finalCost, done.completedAt)

  const files = await br.models.download(done.artifactId, join(home, 'adapter'))
  console.log(files.map((f) => f.split('/').at(-1)).join(' '))
  const summary = await br.costs.summary()
  const notifications = await br.notifications.list()
  console.log(summary.month.total, notifications.items.map((n) => n.notificationType).join(' '))
  try {
    await br.forUser(randomUUID()).jobs.retrieve(job.id)
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    console.log(`${error.name} ${error.code}`)
  }
} finally {
  await br.close()
}
