// GET /api/jobs: the caller's jobs; POST /api/jobs: queues a job (the orchestrator runs it).
import { JOB_STATUSES } from '../../../lib/server/enums'
import { jobOptions, publicJob } from '../../../lib/server/jobs'
import { pageOf, pageRequest } from '../../../lib/server/paging'
import { ok } from '../../../lib/server/respond'
import { route } from '../../../lib/server/route'
import { choice, readBody } from '../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route(async ({ query, br }) => {
  const page = pageRequest(query)
  const status = choice(query.get('status'), 'status', JOB_STATUSES)
  const datasetId = query.get('dataset_id') || undefined
  const rows = await br.jobs.list({ status, datasetId, limit: page.limit, offset: page.offset })
  return ok(pageOf('jobs', { items: rows.items.map(publicJob), total: rows.total }, page))
})

export const POST = route(async ({ request, br }) => {
  const job = await br.jobs.create(jobOptions(await readBody(request)))
  return ok({ job: publicJob(job) }, 201)
})
