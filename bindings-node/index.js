'use strict'
/**
 * BrightRun for Node (CommonJS entry; `index.mjs` re-exports it for ES modules).
 *
 * The native addon (loaded by the napi-generated `native.js`) does the work and answers in
 * the core's JSON; `lib/` reads it into camelCase objects with tables generated from the
 * core's schema, restores error codes (`BrightRunError`), and holds the `BrightRun` client.
 * Types: `index.d.ts`.
 */

const native = require('./native.js')
const { BrightRunError, NotFoundError } = require('./lib/errors.js')
const functions = require('./lib/functions.js')
const { BrightRun, LOCAL_USER } = require('./lib/client.js')

module.exports = {
  BrightRun,
  BrightRunError,
  LOCAL_USER,
  NativeClient: native.NativeClient,
  NativeUpload: native.NativeUpload,
  NotFoundError,
  __napiBindingTarget: native.__napiBindingTarget,
  openClient: native.openClient,
  ...functions,
}
