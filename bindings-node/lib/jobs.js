'use strict'
/** `brightrun.jobs`: estimate, create, follow (events, metrics, wait) and cancel training jobs. */

const { id, jobArgs, options, page } = require('./args.js')
const { read } = require('./read.js')
const { POLL_MS, poll, sleep } = require('./wait.js')

/** Job statuses that end a wait. */
const JOB_DONE = ['completed', 'failed', 'cancelled']

class Jobs {
  constructor(client) {
    this._client = client
  }

  /**
   * Duration, cost and GPU memory of a job on a ready dataset, from its real token counts:
   * `{datasetId, preset, baseModel, gpu, gpus, pricePerGpuHour, ...hyperparameters}`.
   */
  estimate(opts) {
    return this._client._call('jobs.estimate', jobArgs(options(opts, 'jobs.estimate')), read.estimate)
  }

  /** Queues a job (the options of `estimate`); the orchestrator runs it. */
  create(opts) {
    return this._client._call('jobs.create', jobArgs(options(opts, 'jobs.create')), read.job)
  }

  /** A page of jobs, newest first: `{status, datasetId, limit, offset}`. */
  list(opts) {
    return this._client._call('jobs.list', page(options(opts, 'jobs.list'), ['status', 'datasetId']), read.jobs)
  }

  /** One job. */
  retrieve(jobId) {
    return this._client._call('jobs.retrieve', { id: id(jobId, 'the job id') }, read.job)
  }

  /** One job with a summary of its dataset. */
  details(jobId) {
    return this._client._call('jobs.details', { id: id(jobId, 'the job id') }, read.details)
  }

  /**
   * Cancels a job: a queued one at once, a running one through its backend (the worker
   * saves a partial adapter). A finished job rejects with `job_finished`.
   */
  cancel(jobId) {
    return this._client._call('jobs.cancel', { id: id(jobId, 'the job id') }, read.job)
  }

  /** The job's cost records. */
  costs(jobId) {
    return this._client._call('jobs.costs', { id: id(jobId, 'the job id') }, read.costRecords)
  }

  /** One page of the worker's output after the cursor `after`: `{lines, cursor}`. */
  eventPage(jobId, after) {
    return this._client._call('jobs.events', { id: id(jobId, 'the job id'), after }, read.events)
  }

  /**
   * The worker's output as it comes, for `for await`: each line is `{event: {...}}` (a
   * protocol event: `started`, `phase`, `metric`, `artifact`, `completed`, ...) or `{log}`.
   * Ends when the job has ended and every line was read; `{signal, after, pollIntervalMs}`.
   */
  async *events(jobId, opts) {
    const { signal, after = 0, pollIntervalMs = POLL_MS } = options(opts, 'jobs.events')
    let cursor = after
    for (;;) {
      // The status first: lines written before the job ended are all read after it.
      const ended = JOB_DONE.includes((await this.retrieve(jobId)).status)
      const batch = await this.eventPage(jobId, cursor)
      cursor = batch.cursor
      for (const line of batch.lines) yield line
      if (ended && batch.lines.length === 0) return
      if (batch.lines.length === 0) await sleep(pollIntervalMs, signal)
    }
  }

  /** The job's metrics downsampled to at most `maxPoints` (default 500), by `series`. */
  metrics(jobId, opts) {
    const { maxPoints = 500, series } = options(opts, 'jobs.metrics')
    return this._client._call('jobs.metrics', { id: id(jobId, 'the job id'), max_points: maxPoints, series }, read.metrics)
  }

  /**
   * Resolves with the job once it is completed, failed or cancelled: `{signal, timeoutMs,
   * onProgress, pollIntervalMs}`; `onProgress(job)` gets every poll's job (step, loss, cost).
   */
  wait(jobId, opts) {
    return poll(() => this.retrieve(jobId), (j) => JOB_DONE.includes(j.status), opts, `job ${jobId}`)
  }
}

module.exports = { Jobs, JOB_DONE }
