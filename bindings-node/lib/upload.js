'use strict'
/**
 * Dataset files into the service: a local path, bytes from memory, a web `ReadableStream`
 * or any (async) iterable of chunks, all streamed chunk by chunk through the addon's upload
 * object (a bounded channel into the core's upload) without a temporary file, so an abort
 * stops any of them.
 */

const { basename } = require('node:path')
const { createReadStream } = require('node:fs')
const { stat } = require('node:fs/promises')

const native = require('../native.js')
const { BrightRunError, codedAsync, invalidArguments, restore } = require('./errors.js')
const { recordsJsonl } = require('./records.js')
const { checkSignal } = require('./wait.js')

const detectFormat = codedAsync(native.detectFormat)

/** Bytes of the head used to recognise the format of data without a file. */
const HEAD_BYTES = 64 * 1024
/** Bytes read from a file (or handed to the addon from memory) at a time. */
const FILE_CHUNK = 256 * 1024

/** Chunks as `Buffer`s, from a Buffer/Uint8Array, a ReadableStream, or an (async) iterable. */
async function* chunksOf(data) {
  if (data instanceof Uint8Array) {
    // Bytes in memory cross into the addon a slice at a time: one copy of a slice, not of all.
    const bytes = toBuffer(data)
    for (let start = 0; start < bytes.length; start += FILE_CHUNK) yield bytes.subarray(start, start + FILE_CHUNK)
    return
  }
  if (typeof data === 'string') throw invalidArguments('data must be bytes (a Buffer, a stream or an iterable of chunks), not a string')
  if (data && typeof data[Symbol.asyncIterator] !== 'function' && typeof data.getReader === 'function') {
    const streamReader = data.getReader()
    try {
      for (;;) {
        const { done, value } = await streamReader.read()
        if (done) return
        yield toBuffer(value)
      }
    } finally {
      streamReader.releaseLock()
    }
  }
  if (data && (typeof data[Symbol.asyncIterator] === 'function' || typeof data[Symbol.iterator] === 'function')) {
    for await (const chunk of data) yield toBuffer(chunk)
    return
  }
  throw invalidArguments('data must be a Buffer, a Uint8Array, a ReadableStream or an (async) iterable of chunks')
}

function toBuffer(chunk) {
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  if (typeof chunk === 'string') return Buffer.from(chunk)
  throw invalidArguments(`a chunk of data must be bytes (a Uint8Array), not ${typeof chunk}`)
}

/**
 * The chunks of `data`, with the first `HEAD_BYTES` (or all, if fewer) read ahead: their
 * format is recognised before the dataset is created.
 */
async function withHead(data) {
  const iterator = chunksOf(data)[Symbol.asyncIterator]()
  const head = []
  let size = 0
  let ended = false
  while (size < HEAD_BYTES) {
    const next = await iterator.next()
    if (next.done) {
      ended = true
      break
    }
    head.push(next.value)
    size += next.value.length
  }
  async function* all() {
    yield* head
    if (!ended) for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
  }
  return { head: Buffer.concat(head), ended, chunks: all(), close: () => iterator.return?.() }
}

/** The format of data from its head, or the caller's. */
async function formatOf(head, complete, format) {
  if (format) return format
  const detected = await detectFormat(head, complete).catch((error) => {
    // A head cut short (a gzip stream, a JSON document) reads as broken: ask for the format.
    throw new BrightRunError(`the dataset's format cannot be recognised from its first bytes (${error.message}): pass format`, 'unknown_dataset_format')
  })
  if (!detected) {
    throw new BrightRunError(
      'the dataset\'s format is not recognised from its first records: pass format (chat, prompt_completion, alpaca, sharegpt, gemini, text, brightrun_lora_v3, brightrun_lora_v4)',
      'unknown_dataset_format',
    )
  }
  return detected
}

/** What `datasets.create` needs to know about the file before creating the dataset. */
async function describe({ path, data, records, fileName, format }, validate) {
  if ([path, data, records].filter((given) => given !== undefined).length !== 1) throw invalidArguments('give one of path, data or records')
  if (records !== undefined) {
    data = await recordsJsonl(records)
    fileName ??= 'records.jsonl'
  }
  if (path !== undefined) {
    const info = await stat(path).catch((error) => {
      throw new BrightRunError(`cannot read ${path}: ${error.message}`, 'dataset_not_found')
    })
    if (!format) {
      const report = await validate(path)
      if (!report.format) throw new BrightRunError(`${path}: the dataset's format is not recognised; pass format`, 'unknown_dataset_format')
      format = report.format
    }
    const file = createReadStream(path, { highWaterMark: FILE_CHUNK })
    const source = { chunks: chunksOf(file), close: async () => file.destroy() }
    return { fileName: fileName ?? basename(path), format, size: info.size, source }
  }
  if (!fileName) throw invalidArguments('fileName is required with data (the name of the file the data is)')
  const source = await withHead(data)
  try {
    format = await formatOf(source.head, source.ended, format)
  } catch (error) {
    await source.close()
    throw error
  }
  return { fileName, format, size: source.ended ? source.head.length : undefined, source }
}

/** `data` (bytes, a ReadableStream or an (async) iterable) as an upload source. */
function sourceOf(data) {
  const chunks = chunksOf(data)
  return { chunks, close: async () => void (await chunks.return()) }
}

/**
 * Streams `source.chunks` into the dataset; an abort of `signal` (or a failing source)
 * aborts the upload: the store keeps nothing. With `confirm` the dataset is then queued
 * for validation; without, at most its declared size is stored and it stays `uploading`.
 * Resolves to the dataset's JSON.
 */
async function stream(nativeClient, user, datasetId, source, signal, confirm = true) {
  let upload
  try {
    upload = nativeClient.beginUpload(user, datasetId, confirm)
  } catch (error) {
    await source.close()
    throw restore(error)
  }
  const abort = () => upload.abort()
  signal?.addEventListener('abort', abort, { once: true })
  try {
    for await (const chunk of source.chunks) {
      checkSignal(signal)
      if (chunk.length === 0) continue
      try {
        await upload.write(chunk)
      } catch {
        // The store stopped reading (too large, storage failed): finish() says why.
        break
      }
    }
    checkSignal(signal)
    return await upload.finish()
  } catch (error) {
    await upload.abort()
    await source.close()
    throw restore(error)
  } finally {
    signal?.removeEventListener('abort', abort)
  }
}

module.exports = { describe, sourceOf, stream }
