'use strict'
/**
 * The arguments of the operations as the core reads them: snake_case, money as decimal
 * strings, ids as strings. A caller's argument of the wrong shape is an
 * `invalid_arguments` error naming it; the core checks the values.
 */

const { snake } = require('./convert.js')
const { invalidArguments } = require('./errors.js')

/** An amount of money as the decimal string the core reads (a number as its shortest form). */
function money(value, name) {
  if (value === undefined || value === null) return value
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  throw invalidArguments(`${name} must be a decimal string such as "2.50" (or a number), not ${typeof value}`)
}

/** An options object (or none): anything else is an `invalid_arguments` error. */
function options(value, method) {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArguments(`the options of ${method} must be an object`)
  }
  return value
}

/** An id argument: a non-empty string. */
function id(value, what) {
  if (typeof value !== 'string' || value === '') throw invalidArguments(`${what} must be an id (a string), not ${JSON.stringify(value)}`)
  return value
}

/** A page request: `{limit, offset}` and the filters given, snake_case. */
function page(opts, filters) {
  const args = { limit: opts.limit, offset: opts.offset }
  for (const name of filters) args[snake(name)] = opts[name]
  const known = new Set(['limit', 'offset', ...filters])
  for (const name of Object.keys(opts)) if (!known.has(name)) throw invalidArguments(`unknown option ${name}`)
  return args
}

/**
 * The arguments of an estimate or a job: the dataset, the preset (default `balanced`), the
 * base model (default `smoke`), the GPU (default `CPU`) and any hyperparameter, camelCase
 * (the core refuses an unknown one by its snake_case name).
 */
function jobArgs(opts) {
  const { datasetId, preset = 'balanced', baseModel = 'smoke', gpu = 'CPU', gpus = 1, pricePerGpuHour, ...rest } = opts
  const args = {
    dataset_id: id(datasetId, 'datasetId'),
    preset,
    base_model: baseModel,
    gpu,
    gpus,
    price_per_gpu_hour: money(pricePerGpuHour, 'pricePerGpuHour'),
  }
  for (const [name, value] of Object.entries(rest)) args[snake(name)] = value
  return args
}

module.exports = { money, options, id, page, jobArgs }
