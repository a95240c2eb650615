'use strict'
/** `brightrun.models`: trained adapters, their files and their download. */

const { id, options, page } = require('./args.js')
const { save } = require('./download.js')
const { invalidArguments } = require('./errors.js')
const { read } = require('./read.js')

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

module.exports = { Models }
