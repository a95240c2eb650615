// A job followed live: its record and metrics loaded once, then kept current by the job's
// server-sent events (`GET /api/jobs/[id]/events`) until the job ends.
import { useEffect, useState } from 'react'

import { apiGet, errorText, isAbort } from './api'
import type { DatasetSummary, JobDetail, JobMetrics, MetricsPoint, TrainingJob, WorkerEvent } from './types'

/** One point of the loss chart. */
export interface LossPoint {
  step: number
  trainingLoss?: number
  validationLoss?: number
}

/** What the monitor shows of a job. */
export interface JobStream {
  job: TrainingJob | undefined
  dataset: DatasetSummary | null | undefined
  /** Loss points by step, in step order. */
  points: LossPoint[]
  /** The worker's latest phase (`loading`, `training`, ...), from its events. */
  phase: string | undefined
  /** Whether the event stream is open. */
  live: boolean
  error: string | undefined
}

/** Statuses after which a job changes no more. */
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled']

/** How many points of the stored metrics the chart draws (and live points before it downsamples again). */
const MAX_POINTS = 500

/** Follows job `id`: loads it and its metrics, then applies its events as they come. */
export function useJobStream(id: string): JobStream {
  const [job, setJob] = useState<TrainingJob>()
  const [dataset, setDataset] = useState<DatasetSummary | null>()
  const [points, setPoints] = useState<Map<number, LossPoint>>(new Map())
  const [phase, setPhase] = useState<string>()
  const [live, setLive] = useState(false)
  const [error, setError] = useState<string>()

  useEffect(() => {
    const base = `/api/jobs/${encodeURIComponent(id)}`
    const controller = new AbortController()
    const fail = (caught: unknown) => {
      if (!isAbort(caught)) setError(errorText(caught))
    }
    // Answers and events may cross: keep whichever record changed last.
    const accept = (incoming: TrainingJob) => setJob((current) => (current && current.updatedAt > incoming.updatedAt ? current : incoming))
    const merge = (incoming: LossPoint[]) => setPoints((previous) => mergePoints(previous, incoming))
    // The stored curves, downsampled, replace what they cover; live points past them stay.
    let liveSinceLoad = 0
    const loadMetrics = () => {
      liveSinceLoad = 0
      return apiGet<JobMetrics>(`${base}/metrics`, { max_points: MAX_POINTS }, controller.signal)
        .then((answer) => setPoints((previous) => rebase(previous, answer.metrics.map(pointOf))))
        .catch(fail)
    }

    apiGet<JobDetail>(base, undefined, controller.signal)
      .then((detail) => {
        accept(detail.job)
        setDataset(detail.dataset)
      })
      .catch(fail)
    void loadMetrics()

    const source = new EventSource(`${base}/events`)
    source.onopen = () => setLive(true)
    source.addEventListener('job', (event) => accept(JSON.parse((event as MessageEvent<string>).data) as TrainingJob))
    source.addEventListener('end', (event) => {
      accept(JSON.parse((event as MessageEvent<string>).data) as TrainingJob)
      source.close()
      setLive(false)
      // The stored curves of a finished job are complete: they replace the live ones.
      void loadMetrics()
    })
    source.onmessage = (event: MessageEvent<string>) => {
      const line = JSON.parse(event.data) as { event?: WorkerEvent; log?: string }
      const worker = line.event
      if (!worker) return
      if (worker.event === 'metric') {
        merge([{ step: worker.step, trainingLoss: worker.loss }])
        // A long run: downsample again rather than draw every step.
        liveSinceLoad += 1
        if (liveSinceLoad >= MAX_POINTS) void loadMetrics()
      }
      else if (worker.event === 'eval') merge([{ step: worker.step, validationLoss: worker.evalLoss }])
      else if (worker.event === 'phase') setPhase(worker.phase)
      if (worker.event !== 'artifact') void refreshJob()
    }
    // The browser reconnects by itself after an error; say so meanwhile.
    source.onerror = () => setLive(false)

    // Progress, cost and ETA live on the job record: read it again after events, at most once a second.
    let lastRefresh = 0
    let pending: ReturnType<typeof setTimeout> | undefined
    function refreshJob() {
      if (pending) return
      const wait = Math.max(0, 1000 - (Date.now() - lastRefresh))
      pending = setTimeout(() => {
        pending = undefined
        lastRefresh = Date.now()
        apiGet<JobDetail>(base, undefined, controller.signal)
          .then((detail) => accept(detail.job))
          .catch(fail)
      }, wait)
    }

    return () => {
      controller.abort()
      source.close()
      clearTimeout(pending)
    }
  }, [id])

  return { job, dataset, points: [...points.values()].sort((a, b) => a.step - b.step), phase, live, error }
}

/** A stored metrics point as a chart point. */
function pointOf(point: MetricsPoint): LossPoint {
  return { step: point.step, trainingLoss: point.trainingLoss, validationLoss: point.validationLoss }
}

/** The stored points, with the points of `previous` past the last of them. */
function rebase(previous: Map<number, LossPoint>, stored: LossPoint[]): Map<number, LossPoint> {
  const last = stored.reduce((max, point) => Math.max(max, point.step), -Infinity)
  return mergePoints(new Map([...previous].filter(([step]) => step > last)), stored)
}

/** `previous` with `incoming` merged in by step (a value given replaces the one held). */
function mergePoints(previous: Map<number, LossPoint>, incoming: LossPoint[]): Map<number, LossPoint> {
  const next = new Map(previous)
  for (const point of incoming) {
    const held = next.get(point.step)
    next.set(point.step, {
      step: point.step,
      trainingLoss: point.trainingLoss ?? held?.trainingLoss,
      validationLoss: point.validationLoss ?? held?.validationLoss,
    })
  }
  return next
}
