'use strict'
/** `brightrun.costs`: spending, monthly history and the budget. */

const { money, options } = require('./args.js')
const { read } = require('./read.js')

class Costs {
  constructor(client) {
    this._client = client
  }

  /** This month's spending, the budget and what is left. */
  summary() {
    return this._client._call('costs.summary', {}, read.costSummary)
  }

  /** Monthly totals, newest first: `{months}` (default 12). */
  history(opts) {
    const { months = 12 } = options(opts, 'costs.history')
    return this._client._call('costs.history', { months }, read.costHistory)
  }

  /** The budget settings. */
  budget() {
    return this._client._call('costs.budget', {}, read.budget)
  }

  /**
   * Sets the budget: `{monthly, alertThresholdPercent, perJobCap}`, amounts as decimal
   * strings (or numbers); absent amounts are unlimited.
   */
  setBudget(opts) {
    const { monthly, alertThresholdPercent, perJobCap } = options(opts, 'costs.setBudget')
    const args = {
      monthly: money(monthly, 'monthly'),
      alert_threshold_percent: alertThresholdPercent,
      per_job_cap: money(perJobCap, 'perJobCap'),
    }
    return this._client._call('costs.set_budget', args, read.budget)
  }
}

module.exports = { Costs }
