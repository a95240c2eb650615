'use strict'
/**
 * `BrightRun`: the whole lifecycle over the core service, for one user at a time.
 *
 * It opens the addon's `NativeClient`: the core service, and in the embedded default an
 * orchestrator in the background that validates datasets and trains jobs while the client
 * is open. Every call is scoped to one user (`forUser`); results are the generated types
 * of `types.d.ts`.
 */

const native = require('../native.js')
const { BrightRunError, codedAsync, invalidArguments, restore } = require('./errors.js')
const { Costs } = require('./costs.js')
const { Datasets } = require('./datasets.js')
const { Jobs } = require('./jobs.js')
const { Models } = require('./models.js')
const { Notifications } = require('./notifications.js')
const { checkSignal, sleep } = require('./wait.js')

/** The one user of the embedded default: the CLI's rows (`brightrun jobs` and so on). */
const LOCAL_USER = '00000000-0000-4000-8000-627269676874'

const openClient = codedAsync(native.openClient)
const OPTIONS = ['home', 'databaseUrl', 'storageUrl', 'worker', 'workerCommand']

/** `BRIGHTRUN_RUN_WORKER` as a boolean (`undefined` when unset), as the Python client reads it. */
function envWorker() {
  const text = process.env.BRIGHTRUN_RUN_WORKER
  if (text === undefined || text === '') return undefined
  if (['1', 'true', 'yes', 'on'].includes(text.toLowerCase())) return true
  if (['0', 'false', 'no', 'off'].includes(text.toLowerCase())) return false
  throw new BrightRunError(`BRIGHTRUN_RUN_WORKER=${JSON.stringify(text)} is not a boolean (1/0, true/false)`, 'invalid_worker')
}

class BrightRun {
  /** Use `BrightRun.open()`. */
  constructor(nativeClient, userId, owner, state = { closed: false }) {
    this._native = nativeClient
    this._user = userId
    this._owner = owner
    this._state = state
    this.datasets = new Datasets(this)
    this.jobs = new Jobs(this)
    this.models = new Models(this)
    this.costs = new Costs(this)
    this.notifications = new Notifications(this)
  }

  /**
   * Opens BrightRun. With no options, the embedded default: `$BRIGHTRUN_HOME` (or
   * `~/.brightrun`) with SQLite, local files and the local trainer, and the orchestrator
   * running in the background while the client is open. Options: `home`, `databaseUrl`
   * (`sqlite://...` or `postgres://...`), `storageUrl` (a directory or `s3://...`),
   * `worker` (run the orchestrator in the background; default true without a database URL
   * or with a SQLite one, false with PostgreSQL, where `brightrun worker` or `runWorker`
   * runs it), `workerCommand` (the training worker's command line, unless
   * `$BRIGHTRUN_WORKER` sets it).
   */
  static async open(options = {}) {
    if (options === null || typeof options !== 'object') throw invalidArguments('the options of BrightRun.open must be an object')
    for (const name of Object.keys(options)) {
      if (!OPTIONS.includes(name)) throw invalidArguments(`unknown option ${name}: BrightRun.open takes ${OPTIONS.join(', ')}`)
    }
    const { home, databaseUrl, storageUrl, worker, workerCommand } = options
    if (worker !== undefined && typeof worker !== 'boolean') throw invalidArguments('worker must be a boolean')
    const nativeOptions = { home, database_url: databaseUrl, storage_url: storageUrl, worker_command: workerCommand }
    const nativeClient = await openClient(JSON.stringify(nativeOptions))
    const runWorker = worker ?? (databaseUrl === undefined || databaseUrl.startsWith('sqlite:'))
    if (runWorker) nativeClient.startWorker()
    return new BrightRun(nativeClient, LOCAL_USER, true)
  }

  /**
   * A client configured by `BRIGHTRUN_HOME`, `BRIGHTRUN_DATABASE_URL`,
   * `BRIGHTRUN_STORAGE_URL` and `BRIGHTRUN_RUN_WORKER` (1 or 0), as Python's `from_env`;
   * the worker command comes from `BRIGHTRUN_WORKER` in the core.
   */
  static async fromEnv() {
    const env = (name) => process.env[name] || undefined
    return BrightRun.open({
      home: env('BRIGHTRUN_HOME'),
      databaseUrl: env('BRIGHTRUN_DATABASE_URL'),
      storageUrl: env('BRIGHTRUN_STORAGE_URL'),
      worker: envWorker(),
    })
  }

  /** The user every call of this client is scoped to. */
  get userId() {
    return this._user
  }

  /** Whether the background orchestrator runs in this process. */
  get workerRunning() {
    return this._native.workerRunning()
  }

  /** Where this client keeps things: `{home, database, storageUrl, workerCommand}`. */
  describe() {
    const d = JSON.parse(this._native.describe())
    return { home: d.home, database: d.database, storageUrl: d.storage_url, workerCommand: d.worker_command }
  }

  /**
   * The same client scoped to another user (a UUID): it sees only that user's rows. It
   * shares this client's service and background worker; close this one when done.
   */
  forUser(userId) {
    if (typeof userId !== 'string') throw invalidArguments('forUser takes a user id (a UUID string)')
    return new BrightRun(this._native, userId, false, this._state)
  }

  _checkOpen() {
    if (this._state.closed) throw new BrightRunError('this BrightRun client is closed', 'client_closed')
  }

  /** Runs one core operation and reads its JSON answer. */
  async _call(method, args, read) {
    this._checkOpen()
    try {
      return read(await this._native.call(method, this._user, JSON.stringify(args)))
    } catch (error) {
      throw restore(error)
    }
  }

  /** One orchestrator pass (validate, launch, follow): `{datasetsValidated, jobsSubmitted, jobsFollowed, errors}`. */
  async runOnce() {
    this._checkOpen()
    const r = JSON.parse(await codedAsync(() => this._native.runOnce())())
    return { datasetsValidated: r.datasets_validated, jobsSubmitted: r.jobs_submitted, jobsFollowed: r.jobs_followed, errors: r.errors }
  }

  /**
   * Runs the orchestrator in this process until `signal` aborts (then it stops after its
   * pass in progress, and the promise rejects with the signal's reason): what `brightrun
   * worker` does. Rejects with the orchestrator's error if it stops with one.
   */
  async runWorker({ signal, pollIntervalMs = 500 } = {}) {
    this._checkOpen()
    checkSignal(signal)
    this._native.startWorker()
    try {
      while (this._native.workerRunning()) await sleep(pollIntervalMs, signal)
    } finally {
      await codedAsync(() => this._native.stopWorker())()
    }
    throw new BrightRunError('the orchestrator stopped', 'internal')
  }

  /**
   * Stops the background orchestrator (after its pass in progress) and closes the client;
   * running training jobs carry on and the next orchestrator follows them.
   */
  async close() {
    if (this._state.closed) return
    this._state.closed = true
    if (this._owner) await codedAsync(() => this._native.stopWorker())()
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  /** `await using br = await BrightRun.open()` closes it. */
  BrightRun.prototype[Symbol.asyncDispose] = function dispose() {
    return this.close()
  }
}

module.exports = { BrightRun, LOCAL_USER }
