import { formatCount, formatMoney, formatSeconds, humanize } from '../lib/client/format'
import type { Estimate } from '../lib/client/types'

/** Props of EstimatePanel. */
export interface EstimatePanelProps {
  estimate: Estimate | undefined
  /** Whether a newer estimate is on its way. */
  updating: boolean
  error: string | undefined
}

/** The live estimate: duration range, cost, memory fit and advice. */
export function EstimatePanel({ estimate, updating, error }: EstimatePanelProps) {
  return (
    <section className="card estimate" aria-labelledby="estimate-heading" aria-busy={updating} data-testid="estimate">
      <h2 id="estimate-heading">Estimate {updating && <span className="muted small" role="status">updating…</span>}</h2>
      {error && <p role="alert" className="error" data-testid="estimate-error">{error}</p>}
      {!estimate && !error && <p className="muted">Choose a ready dataset to see the duration, cost and memory.</p>}
      {estimate && <EstimateFigures estimate={estimate} />}
    </section>
  )
}

function EstimateFigures({ estimate }: { estimate: Estimate }) {
  const hours = estimate.durationHours
  const { cost, memory } = estimate
  return (
    <>
      <dl className="figures">
        <div>
          <dt>Duration</dt>
          <dd data-testid="estimate-duration">
            {formatSeconds(hours.low * 3600)} to {formatSeconds(hours.high * 3600)}
            <span className="muted small"> (expected {formatSeconds(hours.expected * 3600)})</span>
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd data-testid="estimate-cost">
            {formatMoney(cost.total, cost.currency)}
            <span className="muted small"> ({formatMoney(cost.totalRange.low, cost.currency)} to {formatMoney(cost.totalRange.high, cost.currency)}; {estimate.gpu.gpuCount} × {estimate.gpu.gpuType} at {formatMoney(cost.pricePerGpuHour, cost.currency)}/GPU-hour)</span>
          </dd>
        </div>
        <div>
          <dt>GPU memory</dt>
          <dd data-testid="estimate-memory" className={memory.fits ? 'ok' : 'error'}>
            {memory.fits ? 'Fits' : 'Does not fit'}: {memory.requiredGb.toFixed(1)} GiB of {memory.availableGb.toFixed(1)} GiB per GPU
          </dd>
        </div>
        <div>
          <dt>Tokens trained</dt>
          <dd data-testid="estimate-tokens">{formatCount(estimate.tokens.total)} ({formatCount(estimate.tokens.perEpoch)} per epoch)</dd>
        </div>
        <div>
          <dt>Adapter parameters</dt>
          <dd>{formatCount(estimate.loraParameters)}</dd>
        </div>
      </dl>
      {memory.suggestions.length > 0 && (
        <>
          <h3>To make it fit</h3>
          <ul className="advice">
            {memory.suggestions.map((suggestion) => (
              <li key={suggestion.code}>{suggestion.change} <span className="muted">({suggestion.requiredGb.toFixed(1)} GiB per GPU)</span></li>
            ))}
          </ul>
        </>
      )}
      <h3>Advice</h3>
      {estimate.warnings.length === 0 ? (
        <p className="ok">Nothing to change.</p>
      ) : (
        <ul className="advice" data-testid="estimate-advice">
          {estimate.warnings.map((advice) => (
            <li key={`${advice.code}-${advice.field}`}>
              <strong>{humanize(advice.field)}</strong>: {advice.message} <span className="muted">{advice.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  )
}
