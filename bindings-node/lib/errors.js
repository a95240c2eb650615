'use strict'
/**
 * Errors with the core's stable codes. napi cannot attach a custom `code` to an async
 * rejection, so the addon writes core errors as `[code] message`; `restore` turns such an
 * error into a `BrightRunError` (a `NotFoundError` for `not_found`) with `code` and the
 * bare message. Any other error (a napi type error, an abort) passes unchanged.
 */

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

/** A missing row or file, or another user's (which the core reports the same way). */
class NotFoundError extends BrightRunError {
  constructor(message, code = 'not_found') {
    super(message, code)
    this.name = 'NotFoundError'
  }
}

const CODED_MESSAGE = /^\[([a-z0-9_]+)\] ([\s\S]*)$/

/** A `BrightRunError` for an addon error that carries a code; any other error unchanged. */
function restore(error) {
  const match = error instanceof Error ? CODED_MESSAGE.exec(error.message) : null
  if (!match) return error
  return match[1] === 'not_found' ? new NotFoundError(match[2]) : new BrightRunError(match[2], match[1])
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

/** An `invalid_arguments` error: a caller's argument of the wrong shape, named. */
function invalidArguments(message) {
  return new BrightRunError(message, 'invalid_arguments')
}

module.exports = { BrightRunError, NotFoundError, restore, coded, codedAsync, invalidArguments }
