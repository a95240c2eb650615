// GET /api/costs: this month's costs by type against the budget, and the monthly history.
import { integerParam } from '../../../lib/server/paging'
import { ok } from '../../../lib/server/respond'
import { route } from '../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route(async ({ query, br }) => {
  const months = integerParam(query, 'months', 1, 120, 12)
  const [summary, history] = await Promise.all([br.costs.summary(), br.costs.history({ months })])
  return ok({ summary, budget: summary.budget, history })
})
