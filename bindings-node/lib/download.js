'use strict'
/** Downloading a model's files, each checked against its size and sha256. */

const { createHash } = require('node:crypto')
const { createReadStream, createWriteStream } = require('node:fs')
const { mkdir, mkdtemp, rename, rm } = require('node:fs/promises')
const { basename, join } = require('node:path')
const { Readable } = require('node:stream')
const { pipeline } = require('node:stream/promises')

const { BrightRunError } = require('./errors.js')
const { checkSignal } = require('./wait.js')

/** The bytes of one file: its local path, or its signed URL. */
async function open(download, signal) {
  const location = download.location
  if (location.kind === 'local_path') return createReadStream(location.path)
  if (location.kind === 'signed_url') {
    const response = await fetch(location.url, { signal })
    if (!response.ok || !response.body) {
      throw new BrightRunError(`cannot download ${download.name}: HTTP ${response.status}`, 'download_failed')
    }
    return Readable.fromWeb(response.body)
  }
  throw new BrightRunError(`no way to read ${download.name}`, 'direct_access_unsupported')
}

/**
 * Writes every file into `outDir` (created). A file is renamed into place only once its
 * size and sha256 match the model's record, so `outDir` never holds a bad or partial file.
 * Resolves to the paths written.
 */
async function save(downloads, outDir, signal) {
  await mkdir(outDir, { recursive: true })
  const scratch = await mkdtemp(join(outDir, '.download-'))
  const saved = []
  try {
    for (const download of downloads) {
      checkSignal(signal)
      const name = basename(download.name)
      if (name !== download.name || name === '' || name === '.' || name === '..') {
        throw new BrightRunError(`a model file has an unsafe name: ${JSON.stringify(download.name)}`, 'invalid_key')
      }
      const part = join(scratch, name)
      const digest = createHash('sha256')
      let size = 0
      const source = await open(download, signal).catch((error) => {
        if (signal?.aborted || error instanceof BrightRunError) throw error
        throw new BrightRunError(`cannot read ${download.name}: ${error.message}`, 'download_failed')
      })
      source.on('data', (chunk) => {
        digest.update(chunk)
        size += chunk.length
      })
      await pipeline(source, createWriteStream(part, { mode: 0o600 }), { signal })
      const sha256 = digest.digest('hex')
      if (size !== download.bytes || sha256 !== download.sha256) {
        throw new BrightRunError(
          `${download.name} does not match the model's record: ${size} bytes with sha256 ${sha256}, ` +
            `expected ${download.bytes} bytes with sha256 ${download.sha256}`,
          'checksum_mismatch',
        )
      }
      const target = join(outDir, name)
      await rename(part, target)
      saved.push(target)
    }
    return saved
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

module.exports = { save }
