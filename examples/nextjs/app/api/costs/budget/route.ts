// PUT /api/costs/budget: the monthly budget, its alert threshold and the per-job cap; a
// field left out keeps its value, `null` clears a limit.
import { ok } from '../../../../lib/server/respond'
import { route } from '../../../../lib/server/route'
import { integerField, moneyField, onlyFields, readBody } from '../../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const PUT = route(async ({ request, br }) => {
  const body = await readBody(request)
  onlyFields(body, ['monthly_budget', 'alert_threshold_percent', 'per_job_cost_cap'])
  const monthly = moneyField(body, 'monthly_budget')
  const perJobCap = moneyField(body, 'per_job_cost_cap')
  const alert = integerField(body, 'alert_threshold_percent', { min: 1, max: 100 })
  const current = await br.costs.budget()
  const kept = (given: string | null | undefined, now: string | undefined) => (given === undefined ? now : (given ?? undefined))
  const budget = await br.costs.setBudget({
    monthly: kept(monthly, current.monthlyBudget),
    perJobCap: kept(perJobCap, current.perJobCostCap),
    alertThresholdPercent: alert ?? current.alertThresholdPercent,
  })
  return ok({ budget })
})
