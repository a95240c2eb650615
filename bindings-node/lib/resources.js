'use strict'
/**
 * The client's resources: `datasets`, `jobs`, `models`, `costs`, `notifications`. Each
 * method names one core operation (the same operations, by the same names, as the Python
 * client), sends its arguments snake_case, and reads the answer with the schema's shapes.
 */

const { reader, snake } = require('./convert.js')
const { invalidArguments } = require('./errors.js')
const { save } = require('./download.js')
const { describe, stream } = require('./upload.js')
const { deadline, sleep } = require('./wait.js')
const { validate } = require('./functions.js')

/** Dataset statuses that end a wait. */
const DATASET_DONE = ['ready', 'error']
/** Job statuses that end a wait. */
const JOB_DONE = ['completed', 'failed', 'cancelled']
/** Milliseconds between two polls of a wait. */
const POLL_MS = 500

const read = {
  dataset: reader('Dataset'),
  upload: reader('DatasetUpload'),
  datasets: reader('Page_for_Dataset'),
  report: reader('ValidationReport'),
  estimate: reader('Estimate'),
  job: reader('TrainingJob'),
  details: reader('JobDetails'),
  jobs: reader('Page_for_TrainingJob'),
  events: reader('EventBatch'),
  metrics: reader('MetricsPoint', { list: true }),
  costRecords: reader('CostRecord', { list: true }),
  model: reader('ModelArtifact'),
  models: reader('Page_for_ModelArtifact'),
  downloads: reader('ModelDownload', { list: true }),
  costSummary: reader('CostSummary'),
  costHistory: reader('CostTotals', { list: true }),
  budget: reader('BudgetSettings'),
  notification: reader('Notification'),
  notifications: reader('Page_for_Notification'),
  count: (text) => JSON.parse(text),
  nothing: () => undefined,
}

/** An amount of money as the decimal string the core reads (a number as its shortest form). */
function money(value, name) {
  if (value === undefined || value === null) return value
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  throw invalidArguments(`${name} must be a decimal string such as "2.50" (or a number), not ${typeof value}`)
}

/** An options object (or none): anything else is an `invalid_arguments` error. */
function options(value, method) {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArguments(`the options of ${method} must be an object`)
  }
  return value
}

/** An id argument: a non-empty string. */
function id(value, what) {
  if (typeof value !== 'string' || value === '') throw invalidArguments(`${what} must be an id (a string), not ${JSON.stringify(value)}`)
  return value
}

/** A page request: `{limit, offset}` and the filters given, snake_case. */
function page(opts, filters) {
  const args = { limit: opts.limit, offset: opts.offset }
  for (const name of filters) args[snake(name)] = opts[name]
  const known = new Set(['limit', 'offset', ...filters])
  for (const name of Object.keys(opts)) if (!known.has(name)) throw invalidArguments(`unknown option ${name}`)
  return args
}

/**
 * The arguments of an estimate or a job: the dataset, the preset (default `balanced`), the
 * base model (default `smoke`), the GPU (default `CPU`) and any hyperparameter, camelCase
 * (the core refuses an unknown one by its snake_case name).
 */
function jobArgs(opts) {
  const { datasetId, preset = 'balanced', baseModel = 'smoke', gpu = 'CPU', gpus = 1, pricePerGpuHour, ...rest } = opts
  const args = {
    dataset_id: id(datasetId, 'datasetId'),
    preset,
    base_model: baseModel,
    gpu,
    gpus,
    price_per_gpu_hour: money(pricePerGpuHour, 'pricePerGpuHour'),
  }
  for (const [name, value] of Object.entries(rest)) args[snake(name)] = value
  return args
}

/** Polls `retrieve` until `done` says so; `onProgress` gets every value read. */
async function poll(retrieve, done, { signal, timeoutMs, onProgress, pollIntervalMs = POLL_MS } = {}, what) {
  const end = deadline(timeoutMs, what)
  for (;;) {
    const value = await retrieve()
    if (onProgress) await onProgress(value)
    if (done(value)) return value
    end.check()
    await sleep(pollIntervalMs, signal)
  }
}

class Datasets {
  constructor(client) {
    this._client = client
  }

  /**
   * Uploads a dataset file and confirms it: `{path}`, or `{data, fileName}` with a Buffer,
   * a ReadableStream or an (async) iterable of chunks, streamed without a temporary file. The format is recognised from the first records unless
   * given. The dataset is then `validating` until the orchestrator has checked it (see
   * `wait`). An abort of `signal` stops the upload and deletes the dataset.
   */
  async create(opts) {
    const { path, data, fileName, name, description, format, signal, ...rest } = options(opts, 'datasets.create')
    for (const unknown of Object.keys(rest)) throw invalidArguments(`unknown option ${unknown}`)
    const file = await describe({ path, data, fileName, format }, validate)
    const args = { name: name ?? file.fileName, description, format: file.format, file_name: file.fileName, size: file.size }
    const created = await this._client._call('datasets.create', args, read.upload)
    const datasetId = created.dataset.id
    try {
      return read.dataset(await stream(this._client._native, this._client.userId, datasetId, file.source, signal))
    } catch (error) {
      await this._client._call('datasets.delete', { id: datasetId }, read.nothing).catch(() => {})
      throw error
    }
  }

  /** A page of datasets, newest first: `{status, format, search, limit, offset}`. */
  list(opts) {
    return this._client._call('datasets.list', page(options(opts, 'datasets.list'), ['status', 'format', 'search']), read.datasets)
  }

  /** One dataset; a missing or another user's id rejects with `NotFoundError`. */
  retrieve(datasetId) {
    return this._client._call('datasets.retrieve', { id: id(datasetId, 'the dataset id') }, read.dataset)
  }

  /** Renames or re-describes a dataset: `{name, description}` (`description: null` clears it). */
  update(datasetId, changes) {
    const { name, description } = options(changes, 'datasets.update')
    const args = { id: id(datasetId, 'the dataset id'), name }
    if (description !== undefined) args.description = description
    return this._client._call('datasets.update', args, read.dataset)
  }

  /** Deletes a dataset and its file. */
  delete(datasetId) {
    return this._client._call('datasets.delete', { id: id(datasetId, 'the dataset id') }, read.nothing)
  }

  /** The full validation report (`undefined` until validated). */
  report(datasetId) {
    return this._client._call('datasets.report', { id: id(datasetId, 'the dataset id') }, read.report)
  }

  /**
   * Resolves with the dataset once it is `ready` or `error`: `{signal, timeoutMs,
   * onProgress, pollIntervalMs}`; a timeout rejects with code `timeout`.
   */
  wait(datasetId, opts) {
    return poll(() => this.retrieve(datasetId), (d) => DATASET_DONE.includes(d.status), opts, `the validation of dataset ${datasetId}`)
  }
}

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

class Models {
  constructor(client) {
    this._client = client
  }

  /** A page of trained adapters, newest first: `{status, jobId, limit, offset}`. */
  list(opts) {
    return this._client._call('models.list', page(options(opts, 'models.list'), ['status', 'jobId']), read.models)
  }

  /** One model. */
  retrieve(modelId) {
    return this._client._call('models.retrieve', { id: id(modelId, 'the model id') }, read.model)
  }

  /** Renames, re-describes or archives a model: `{name, description, status}`. */
  update(modelId, changes) {
    const { name, description, status } = options(changes, 'models.update')
    const args = { id: id(modelId, 'the model id'), name, status }
    if (description !== undefined) args.description = description
    return this._client._call('models.update', args, read.model)
  }

  /** Where to download each file: `{expiresIn}` seconds (default 3600) for signed URLs. */
  downloadUrls(modelId, opts) {
    const { expiresIn = 3600 } = options(opts, 'models.downloadUrls')
    return this._client._call('models.download_urls', { id: id(modelId, 'the model id'), expires_in: expiresIn }, read.downloads)
  }

  /**
   * Downloads every file of the model into `outDir`, each checked against its size and
   * sha256 (`checksum_mismatch` otherwise); resolves to the paths written. `{signal}`.
   */
  async download(modelId, outDir, opts) {
    const { signal } = options(opts, 'models.download')
    if (typeof outDir !== 'string' || outDir === '') throw invalidArguments('outDir must be a directory path')
    return save(await this.downloadUrls(modelId), outDir, signal)
  }
}

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

class Notifications {
  constructor(client) {
    this._client = client
  }

  /** A page of notifications, newest first: `{unread, limit, offset}`. */
  list(opts) {
    return this._client._call('notifications.list', page(options(opts, 'notifications.list'), ['unread']), read.notifications)
  }

  /** How many are unread. */
  unreadCount() {
    return this._client._call('notifications.unread_count', {}, read.count)
  }

  /** Marks one read. */
  markRead(notificationId) {
    return this._client._call('notifications.mark_read', { id: id(notificationId, 'the notification id') }, read.notification)
  }

  /** Marks all read; resolves to how many were unread. */
  markAllRead() {
    return this._client._call('notifications.mark_all_read', {}, read.count)
  }
}

module.exports = { Datasets, Jobs, Models, Costs, Notifications, DATASET_DONE, JOB_DONE }
