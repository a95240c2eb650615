'use client'
import { useState } from 'react'
import type { FormEvent } from 'react'

import { apiSend, errorText } from '../lib/client/api'
import { formatMoney, formatUtc, humanize } from '../lib/client/format'
import { useResource } from '../lib/client/hooks'
import { isAmountOrEmpty } from '../lib/client/money'
import type { BudgetAnswer, BudgetSettings, CostsOverview } from '../lib/client/types'
import { ErrorNotice, Loading } from './Notice'

/** This month's costs by type against the budget, the budget form, and the months before. */
export function CostsView() {
  const { data, error, reload } = useResource<CostsOverview>('/api/costs')
  if (!data) return error ? <ErrorNotice error={error} /> : <Loading what="costs" />
  const { summary, budget, history } = data
  const used = summary.budgetUsedPercent
  return (
    <>
      <section className="card" aria-labelledby="month-heading">
        <h2 id="month-heading">This month <span className="muted small">({summary.month.period.start} to {summary.month.period.end}, UTC)</span></h2>
        <table className="table narrow">
          <caption className="visually-hidden">This month's costs by type</caption>
          <thead><tr><th scope="col">Type</th><th scope="col" className="number">Amount</th></tr></thead>
          <tbody>
            {summary.month.byType.map(([type, amount]) => (
              <tr key={type}><td>{humanize(type)}</td><td className="number">{formatMoney(amount)}</td></tr>
            ))}
          </tbody>
          <tfoot><tr><th scope="row">Total</th><td className="number" data-testid="month-total"><strong>{formatMoney(summary.month.total)}</strong></td></tr></tfoot>
        </table>
        <h3>Budget</h3>
        {budget.monthlyBudget === undefined ? (
          <p className="muted">No monthly budget set.</p>
        ) : (
          <div className="budget">
            <p id="budget-label">{formatMoney(summary.month.total)} of {formatMoney(budget.monthlyBudget)} spent{used !== undefined ? ` (${used.toFixed(1)}%)` : ''}; alert at {budget.alertThresholdPercent}%.</p>
            <div
              className={`budget-bar${used !== undefined && used >= budget.alertThresholdPercent ? ' over' : ''}`}
              role="meter"
              aria-labelledby="budget-label"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.min(used ?? 0, 100)}
              data-testid="budget-bar"
            >
              <span style={{ width: `${Math.min(used ?? 0, 100)}%` }} />
              <i style={{ left: `${budget.alertThresholdPercent}%` }} aria-hidden="true" />
            </div>
          </div>
        )}
        <BudgetForm budget={budget} onSaved={reload} />
      </section>
      <section className="card" aria-labelledby="history-heading">
        <h2 id="history-heading">Months</h2>
        <table className="table">
          <caption className="visually-hidden">Costs by month</caption>
          <thead>
            <tr>
              <th scope="col">Month (UTC)</th>
              {summary.month.byType.map(([type]) => <th key={type} scope="col" className="number">{humanize(type)}</th>)}
              <th scope="col" className="number">Total</th>
            </tr>
          </thead>
          <tbody>
            {history.map((month) => (
              <tr key={month.period.start}>
                <td>{month.period.start.slice(0, 7)}</td>
                {month.byType.map(([type, amount]) => <td key={type} className="number">{formatMoney(amount)}</td>)}
                <td className="number">{formatMoney(month.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">Read at {formatUtc(new Date().toISOString())}.</p>
      </section>
    </>
  )
}

/** Sets the monthly budget, the alert threshold and the per-job cap (PUT /api/costs/budget). */
function BudgetForm({ budget, onSaved }: { budget: BudgetSettings; onSaved: () => void }) {
  const [monthly, setMonthly] = useState(budget.monthlyBudget ?? '')
  const [cap, setCap] = useState(budget.perJobCostCap ?? '')
  const [threshold, setThreshold] = useState(String(budget.alertThresholdPercent))
  const [error, setError] = useState<string>()
  const [saved, setSaved] = useState(false)
  const problems = {
    monthly: isAmountOrEmpty(monthly) ? undefined : 'An amount in USD such as 25 or 12.50, or empty for no budget.',
    cap: isAmountOrEmpty(cap) ? undefined : 'An amount in USD, or empty for no cap.',
    threshold: /^\d{1,3}$/.test(threshold) && Number(threshold) >= 1 && Number(threshold) <= 100 ? undefined : 'A whole percentage from 1 to 100.',
  }
  const valid = Object.values(problems).every((problem) => problem === undefined)

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (!valid) return
    setSaved(false)
    apiSend<BudgetAnswer>('PUT', '/api/costs/budget', {
      monthly_budget: monthly.trim() || null,
      per_job_cost_cap: cap.trim() || null,
      alert_threshold_percent: Number(threshold),
    })
      .then(() => {
        setError(undefined)
        setSaved(true)
        onSaved()
      })
      .catch((caught: unknown) => setError(errorText(caught)))
  }

  return (
    <form className="form inline-form" onSubmit={submit} noValidate aria-label="Set the budget">
      <AmountField id="budget-monthly" label="Monthly budget (USD)" value={monthly} onChange={setMonthly} problem={problems.monthly} />
      <AmountField id="budget-cap" label="Per-job cap (USD)" value={cap} onChange={setCap} problem={problems.cap} />
      <div className="field">
        <label htmlFor="budget-threshold">Alert at (%)</label>
        <input id="budget-threshold" type="number" min={1} max={100} step={1} value={threshold} onChange={(event) => setThreshold(event.target.value)} aria-invalid={problems.threshold ? true : undefined} aria-describedby="budget-threshold-hint" />
        <span id="budget-threshold-hint" className={problems.threshold ? 'hint error' : 'hint'}>{problems.threshold ?? '1 to 100.'}</span>
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={!valid}>Set budget</button>
      </div>
      <ErrorNotice error={error} />
      {saved && !error && <p role="status" className="ok">Budget saved.</p>}
    </form>
  )
}

/** A money input kept as text (never a float), with its hint or problem. */
function AmountField({ id, label, value, onChange, problem }: { id: string; label: string; value: string; onChange: (value: string) => void; problem: string | undefined }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" inputMode="decimal" value={value} onChange={(event) => onChange(event.target.value)} placeholder="no limit" aria-invalid={problem ? true : undefined} aria-describedby={`${id}-hint`} />
      <span id={`${id}-hint`} className={problem ? 'hint error' : 'hint'}>{problem ?? 'Empty for no limit.'}</span>
    </div>
  )
}
