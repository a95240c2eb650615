import { formatFloat } from '../lib/client/format'
import type { LossPoint } from '../lib/client/jobStream'

const WIDTH = 1000
const HEIGHT = 300
const PAD = { left: 52, right: 16, top: 12, bottom: 34 }

/** A series drawn on the chart: its points as [step, loss]. */
type Series = Array<[number, number]>

/** The training and validation loss by step, as an inline SVG line chart. */
export function LossChart({ points }: { points: LossPoint[] }) {
  const training: Series = points.flatMap((point) => (point.trainingLoss !== undefined ? [[point.step, point.trainingLoss] as [number, number]] : []))
  const validation: Series = points.flatMap((point) => (point.validationLoss !== undefined ? [[point.step, point.validationLoss] as [number, number]] : []))
  const all = [...training, ...validation]
  const summary = all.length === 0
    ? 'No loss reported yet.'
    : `Training loss over ${training.length} points${training.length ? `, from ${formatFloat(training[0][1])} to ${formatFloat(training[training.length - 1][1])}` : ''}; validation loss at ${validation.length} points${validation.length ? `, last ${formatFloat(validation[validation.length - 1][1])}` : ''}.`

  return (
    <figure className="chart" data-testid="loss-chart" data-training-points={training.length} data-validation-points={validation.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Loss chart. ${summary}`} preserveAspectRatio="xMidYMid meet">
        {all.length > 0 ? <Plot training={training} validation={validation} all={all} /> : (
          <text x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle" className="chart-empty">Waiting for the first step…</text>
        )}
      </svg>
      <figcaption>
        <span className="legend legend-training">Training loss</span>
        <span className="legend legend-validation">Validation loss</span>
        <span className="visually-hidden">{summary}</span>
      </figcaption>
    </figure>
  )
}

function Plot({ training, validation, all }: { training: Series; validation: Series; all: Series }) {
  const steps = all.map(([step]) => step)
  const losses = all.map(([, loss]) => loss)
  const [minStep, maxStep] = [Math.min(...steps), Math.max(...steps)]
  const [low, high] = padded(Math.min(...losses), Math.max(...losses))
  const x = (step: number) => PAD.left + (maxStep === minStep ? 0.5 : (step - minStep) / (maxStep - minStep)) * (WIDTH - PAD.left - PAD.right)
  const y = (loss: number) => PAD.top + (1 - (loss - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom)
  const path = (series: Series) => series.map(([step, loss]) => `${x(step).toFixed(1)},${y(loss).toFixed(1)}`).join(' ')
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => low + share * (high - low))

  return (
    <>
      {ticks.map((tick) => (
        <g key={tick} className="chart-grid">
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
          <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end">{formatFloat(tick, 3)}</text>
        </g>
      ))}
      <g className="chart-axis">
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom} />
        <text x={PAD.left} y={HEIGHT - 10} textAnchor="start">step {minStep}</text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 10} textAnchor="end">step {maxStep}</text>
      </g>
      {training.length > 0 && <polyline className="line-training" points={path(training)} />}
      {validation.length > 0 && <polyline className="line-validation" points={path(validation)} />}
      {validation.map(([step, loss]) => <circle key={step} className="dot-validation" cx={x(step)} cy={y(loss)} r={3.5} />)}
      {training.length === 1 && <circle className="dot-training" cx={x(training[0][0])} cy={y(training[0][1])} r={3} />}
    </>
  )
}

/** The loss axis' ends: the data's range with a little room, never empty. */
function padded(min: number, max: number): [number, number] {
  const room = max > min ? (max - min) * 0.08 : Math.max(Math.abs(max) * 0.1, 0.1)
  return [min - room, max + room]
}
