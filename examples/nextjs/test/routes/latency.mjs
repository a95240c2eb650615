// Prints the latency of GET /api/jobs/[id] on the production server: 200 sequential
// requests after 20 of warm-up, median, p95 and max. Figures only, no assertion.
// Usage: node test/routes/latency.mjs (after `npm run build`)
import { performance } from 'node:perf_hooks'

import { QUICK, startServer, uploadDataset, user } from './server.mjs'

const REQUESTS = 200
const WARM_UP = 20

const server = await startServer()
try {
  const alice = user(server.url, 'alice')
  const dataset = await uploadDataset(alice)
  const created = await alice.call('POST', '/api/jobs', { dataset_id: dataset.id, base_model: 'smoke', gpu_type: 'CPU', hyperparameters: QUICK })
  const path = `/api/jobs/${created.body.data.job.id}`
  // Cancelled at once: the figures are the route's, not a training's competing for the CPU.
  await alice.call('POST', `${path}/cancel`)
  for (let i = 0; i < WARM_UP; i++) await alice.call('GET', path)
  const times = []
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now()
    const answer = await alice.call('GET', path)
    times.push(performance.now() - start)
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status}`)
  }
  times.sort((a, b) => a - b)
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2)
  console.log(`GET /api/jobs/[id], ${REQUESTS} sequential requests: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`)
} finally {
  await server.stop()
}
