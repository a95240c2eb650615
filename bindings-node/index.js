'use strict'
/**
 * BrightRun for Node (CommonJS entry; `index.mjs` re-exports it for ES modules).
 *
 * The native addon (loaded by the napi-generated `native.js`) does the work; this layer
 * only restores error codes. napi cannot attach a custom `code` to an async rejection, so
 * the addon writes core errors as `[code] message` and every function here turns such an
 * error into a `BrightRunError` with `code` and the bare message. Types: `index.d.ts`.
 */

const native = require('./native.js')

class BrightRunError extends Error {
  /**
   * @param {string} message the human-readable message
   * @param {string} code the core's stable snake_case code
   */
  constructor(message, code) {
    super(message)
    this.name = 'BrightRunError'
    this.code = code
  }
}

const CODED_MESSAGE = /^\[([a-z0-9_]+)\] ([\s\S]*)$/

/** A `BrightRunError` for an addon error that carries a code; any other error unchanged. */
function restore(error) {
  const match = error instanceof Error ? CODED_MESSAGE.exec(error.message) : null
  return match ? new BrightRunError(match[2], match[1]) : error
}

/** A synchronous addon function whose errors become `BrightRunError`s. */
function coded(fn) {
  return (...args) => {
    try {
      return fn(...args)
    } catch (error) {
      throw restore(error)
    }
  }
}

/** A Promise-returning addon function that always rejects (never throws) with `BrightRunError`s. */
function codedAsync(fn) {
  return async (...args) => {
    try {
      return await fn(...args)
    } catch (error) {
      throw restore(error)
    }
  }
}

module.exports = {
  BrightRunError,
  __napiBindingTarget: native.__napiBindingTarget,
  presets: coded(native.presets),
  gpus: coded(native.gpus),
  baseModels: coded(native.baseModels),
  estimate: codedAsync(native.estimate),
  validate: codedAsync(native.validate),
  convert: codedAsync(native.convert),
}
