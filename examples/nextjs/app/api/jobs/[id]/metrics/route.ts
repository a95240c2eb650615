// GET /api/jobs/[id]/metrics: the job's metrics downsampled to `max_points` (keeping the shape of `series`).
import { METRIC_SERIES } from '../../../../../lib/server/enums'
import { integerParam } from '../../../../../lib/server/paging'
import { ok } from '../../../../../lib/server/respond'
import { route } from '../../../../../lib/server/route'
import { choice } from '../../../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route<{ id: string }>(async ({ query, params, br }) => {
  const maxPoints = integerParam(query, 'max_points', 2, 5000, 500)
  const series = choice(query.get('series'), 'series', METRIC_SERIES)
  return ok({ metrics: await br.jobs.metrics(params.id, { maxPoints, series }) })
})
