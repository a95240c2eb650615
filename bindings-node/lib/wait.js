'use strict'
/** Waiting that an `AbortSignal` stops: sleeps between polls, and deadlines. */

const { BrightRunError } = require('./errors.js')

/** Throws the signal's reason when it is aborted. */
function checkSignal(signal) {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms, signal) {
  checkSignal(signal)
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** A deadline `timeoutMs` from now (none without one); `check` throws `timeout` past it. */
function deadline(timeoutMs, what) {
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
    throw new BrightRunError(`timeoutMs must be a number of milliseconds, not ${timeoutMs}`, 'invalid_arguments')
  }
  const end = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs
  return {
    check() {
      if (Date.now() >= end) throw new BrightRunError(`${what} did not finish within ${timeoutMs} ms`, 'timeout')
    },
  }
}

/** Milliseconds between two polls of a wait. */
const POLL_MS = 500

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

module.exports = { checkSignal, sleep, deadline, poll, POLL_MS }
