// GET /api/jobs/[id]: one job (progress, ETA, cost, current metrics) with its dataset.
import { publicJob } from '../../../../lib/server/jobs'
import { ok } from '../../../../lib/server/respond'
import { route } from '../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route<{ id: string }>(async ({ params, br }) => {
  const details = await br.jobs.details(params.id)
  return ok({ job: publicJob(details.job), dataset: details.dataset ?? null })
})
