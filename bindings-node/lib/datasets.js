'use strict'
/** `brightrun.datasets`: training files, uploaded, validated by the orchestrator, read and tidied. */

const { id, options, page } = require('./args.js')
const { invalidArguments } = require('./errors.js')
const { validate } = require('./functions.js')
const { read } = require('./read.js')
const { describe, sourceOf, stream } = require('./upload.js')
const { poll } = require('./wait.js')

/** Dataset statuses that end a wait. */
const DATASET_DONE = ['ready', 'error']

class Datasets {
  constructor(client) {
    this._client = client
  }

  /**
   * Uploads a dataset file and confirms it: `{path}`, `{data, fileName}` with a Buffer,
   * a ReadableStream or an (async) iterable of chunks, or `{records}` (an array or an
   * (async) iterable of records, uploaded as JSON Lines), streamed without a temporary
   * file. The format is recognised from the first records unless given. The dataset is then `validating` until the orchestrator has checked it (see
   * `wait`). An abort of `signal` stops the upload and deletes the dataset.
   */
  async create(opts) {
    const { path, data, records, fileName, name, description, format, signal, ...rest } = options(opts, 'datasets.create')
    for (const unknown of Object.keys(rest)) throw invalidArguments(`unknown option ${unknown}`)
    const file = await describe({ path, data, records, fileName, format }, validate)
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

  /**
   * The first step of an upload in steps (a web app's: the browser sends the file): creates
   * the dataset awaiting its file, `{name, description, format, fileName, size}` (`size`
   * in bytes, declared: the upload may not exceed it). Resolves to `{dataset, uploadUrl,
   * storagePath}`: `uploadUrl` is a signed PUT URL on S3-compatible storage, else `null`
   * (send the bytes through `upload`). Then `confirm`.
   */
  async createUpload(opts) {
    const { name, description, format, fileName, size, ...rest } = options(opts, 'datasets.createUpload')
    for (const unknown of Object.keys(rest)) throw invalidArguments(`unknown option ${unknown}`)
    if (!Number.isSafeInteger(size) || size < 1) throw invalidArguments(`size must be the file's size in bytes (a whole number from 1), not ${size}`)
    const args = { name: name ?? fileName, description, format, file_name: fileName, size }
    const created = await this._client._call('datasets.create', args, read.upload)
    const uploadUrl = created.upload?.kind === 'signed_url' ? created.upload.url : null
    return { dataset: created.dataset, uploadUrl, storagePath: created.dataset.storagePath }
  }

  /**
   * Streams the file of a dataset made by `createUpload` into storage: `{data, signal}`,
   * `data` a Buffer, a ReadableStream or an (async) iterable of chunks, never held whole in
   * memory. More bytes than the declared size reject with code `too_large` and nothing is
   * kept; an abort of `signal` keeps nothing either. The dataset stays `uploading`.
   */
  async upload(datasetId, opts) {
    const { data, signal, ...rest } = options(opts, 'datasets.upload')
    for (const unknown of Object.keys(rest)) throw invalidArguments(`unknown option ${unknown}`)
    this._client._checkOpen()
    const dataset = await stream(this._client._native, this._client.userId, id(datasetId, 'the dataset id'), sourceOf(data), signal, false)
    return read.dataset(dataset)
  }

  /**
   * After the upload (through `upload` or the signed URL): checks the stored file against
   * the size cap and queues the dataset for validation (status `validating`).
   */
  confirm(datasetId) {
    return this._client._call('datasets.confirm', { id: id(datasetId, 'the dataset id') }, read.dataset)
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

module.exports = { Datasets, DATASET_DONE }
