'use client'
import Link from 'next/link'
import { useState } from 'react'

import { apiSend, errorText } from '../lib/client/api'
import { formatCount, formatFloat, formatMoney, formatSeconds, humanize } from '../lib/client/format'
import { FINAL_STATUSES, useJobStream } from '../lib/client/jobStream'
import type { TrainingJob } from '../lib/client/types'
import { LossChart } from './LossChart'
import { ErrorNotice, Loading } from './Notice'
import { StatusBadge } from './StatusBadge'
import { UtcTime } from './UtcTime'

/** A job followed live: status, stage, progress, ETA, cost so far, the loss chart, cancel. */
export function JobMonitor({ id }: { id: string }) {
  const { job, dataset, points, phase, live, error } = useJobStream(id)
  if (!job) return error ? <><h1>Training job</h1><ErrorNotice error={error} /></> : <Loading what="the job" />
  const final = FINAL_STATUSES.includes(job.status)

  return (
    <>
      <div className="page-head">
        <h1>Training job <code className="small">{job.id.slice(0, 8)}</code></h1>
        {!final && <CancelButton job={job} />}
      </div>
      <ErrorNotice error={error} />
      <section className="card" aria-labelledby="job-status-heading">
        <h2 id="job-status-heading" className="visually-hidden">Status</h2>
        <div className="status-line" role="status" aria-live="polite">
          <StatusBadge status={job.status} />
          {job.stage && <span data-testid="job-stage">stage: {humanize(job.stage)}</span>}
          {!job.stage && phase && !final && <span>phase: {phase}</span>}
          <span className="muted small">{live ? 'live' : final ? 'finished' : 'connecting…'}</span>
        </div>
        <label htmlFor="job-progress" className="progress-label">
          Step {formatCount(job.currentStep)} of {formatCount(job.totalSteps)}, epoch {job.currentEpoch} of {job.totalEpochs}: {job.progressPercent.toFixed(0)}%
        </label>
        <progress id="job-progress" max={100} value={job.progressPercent} data-testid="job-progress" />
        <dl className="figures">
          <div><dt>ETA (UTC)</dt><dd>{final ? '—' : <Eta job={job} />}</dd></div>
          <div><dt>{job.finalCost ? 'Final cost' : 'Cost so far'}</dt><dd data-testid="job-cost">{formatMoney(job.finalCost ?? job.currentCost)}</dd></div>
          <div><dt>Estimated total</dt><dd>{formatMoney(job.estimatedTotalCost)}</dd></div>
          <div><dt>Training loss</dt><dd>{formatFloat(job.currentMetrics?.trainingLoss)}</dd></div>
          <div><dt>Validation loss</dt><dd>{formatFloat(job.currentMetrics?.validationLoss)}</dd></div>
          <div><dt>Learning rate</dt><dd>{formatFloat(job.currentMetrics?.learningRate, 3)}</dd></div>
          <div><dt>Tokens / second</dt><dd>{formatFloat(job.currentMetrics?.tokensPerSecond, 4)}</dd></div>
        </dl>
        {job.errorMessage && <p role="alert" className="error">{job.errorType ? `${humanize(job.errorType)}: ` : ''}{job.errorMessage}</p>}
        {job.status === 'completed' && job.artifactId && (
          <p className="ok" data-testid="job-done">Training complete. <Link href={`/models/${job.artifactId}`}>Open the adapter</Link></p>
        )}
      </section>
      <section className="card" aria-labelledby="loss-heading">
        <h2 id="loss-heading">Loss</h2>
        <LossChart points={points} />
      </section>
      <section className="card" aria-labelledby="config-heading">
        <h2 id="config-heading">Configuration</h2>
        <dl className="figures">
          <div><dt>Dataset</dt><dd>{dataset ? <Link href={`/datasets/${dataset.id}`}>{dataset.name}</Link> : <code>{job.datasetId}</code>}</dd></div>
          <div><dt>Base model</dt><dd>{job.hyperparameters.baseModel}</dd></div>
          <div><dt>Preset</dt><dd>{humanize(job.preset)}</dd></div>
          <div><dt>GPU</dt><dd>{job.gpu.gpuCount} × {job.gpu.gpuType} at {formatMoney(job.gpu.pricePerGpuHour)}/hour</dd></div>
          <div><dt>Epochs / batch</dt><dd>{job.hyperparameters.epochs} / {job.hyperparameters.batchSize}</dd></div>
          <div><dt>Learning rate</dt><dd>{formatFloat(job.hyperparameters.learningRate, 3)}</dd></div>
          <div><dt>LoRA r / alpha</dt><dd>{job.hyperparameters.loraRank} / {job.hyperparameters.loraAlpha}</dd></div>
          <div><dt>Queued</dt><dd><UtcTime value={job.queuedAt} /></dd></div>
          <div><dt>Started</dt><dd><UtcTime value={job.startedAt} /></dd></div>
          <div><dt>Finished</dt><dd><UtcTime value={job.completedAt} /></dd></div>
        </dl>
      </section>
    </>
  )
}

/** The expected completion time, and how long until then. */
function Eta({ job }: { job: TrainingJob }) {
  if (!job.estimatedCompletionAt) return <>—</>
  const left = (new Date(job.estimatedCompletionAt).getTime() - Date.now()) / 1000
  return <><UtcTime value={job.estimatedCompletionAt} /> <span className="muted small">({left > 0 ? `in about ${formatSeconds(left)}` : 'any moment'})</span></>
}

/** Asks to cancel the job (after a confirmation). */
function CancelButton({ job }: { job: TrainingJob }) {
  const [error, setError] = useState<string>()
  const [sent, setSent] = useState(Boolean(job.cancelRequestedAt))
  const cancel = () => {
    if (!window.confirm('Cancel this training job? A running job saves a partial adapter.')) return
    setSent(true)
    apiSend('POST', `/api/jobs/${encodeURIComponent(job.id)}/cancel`)
      .then(() => setError(undefined))
      .catch((caught: unknown) => {
        setSent(false)
        setError(errorText(caught))
      })
  }
  return (
    <div>
      <button type="button" className="danger" onClick={cancel} disabled={sent}>{sent ? 'Cancelling…' : 'Cancel job'}</button>
      <ErrorNotice error={error} />
    </div>
  )
}
