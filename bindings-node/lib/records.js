'use strict'
/**
 * Datasets held in memory: an array, an iterable or an async iterable of records, written as
 * the JSON Lines the core reads (record `n` on line `n`), handed to the addon as bytes:
 * nothing is written to disk.
 */

const { invalidArguments } = require('./errors.js')

/** What `validate` and `convert` hand the addon: a path as is, bytes as a Buffer, records as JSON Lines. */
async function datasetSource(dataset) {
  if (typeof dataset === 'string') return dataset
  if (dataset instanceof Uint8Array) return Buffer.from(dataset.buffer, dataset.byteOffset, dataset.byteLength)
  return recordsJsonl(dataset)
}

/** The JSON Lines of `records` (an array, an iterable or an async iterable of objects). */
async function recordsJsonl(records) {
  const iterable = records !== null && typeof records === 'object'
  if (!iterable || (typeof records[Symbol.iterator] !== 'function' && typeof records[Symbol.asyncIterator] !== 'function')) {
    const what = records === null ? 'null' : typeof records
    throw invalidArguments(
      iterable
        ? 'a single record was given: pass an array (or an iterable) of records'
        : `a dataset is a path, bytes, or an array or (async) iterable of records, not ${what}`,
    )
  }
  const lines = []
  let number = 0
  for await (const record of records) {
    number += 1
    let line
    try {
      line = JSON.stringify(record)
    } catch (error) {
      throw invalidArguments(`record ${number} cannot be written as JSON: ${error.message}`)
    }
    if (line === undefined) throw invalidArguments(`record ${number} cannot be written as JSON: it is ${typeof record}`)
    lines.push(line)
  }
  return Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : '')
}

module.exports = { datasetSource, recordsJsonl }
