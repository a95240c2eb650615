/**
 * The API's errors in one place: `ApiError` for what a route refuses itself, and how the
 * package's error codes (`err.code`) become HTTP statuses. Unknown failures answer 500
 * with no detail (the error is logged on the server, never sent).
 */

/** Details of a failure, sent as `details`. */
export interface ErrorDetails {
  /** The package's stable error code, or the API's own (`invalid_body`, `unauthenticated`, ...). */
  code: string
  /** The field at fault, as named in the request. */
  field?: string
  /** What the field accepts. */
  allowed?: string
  /** Every field at fault, when the core lists several. */
  fields?: Array<{ field: string; value: string; allowed: string }>
}

/** A failure the API answers with its own status and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetails,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** A 400 naming the field and what it accepts. */
export function badField(field: string, message: string, allowed?: string): ApiError {
  return new ApiError(400, message, { code: 'invalid_field', field, ...(allowed ? { allowed } : {}) })
}

/** Codes of a missing row or file, or another user's. */
const NOT_FOUND = new Set(['not_found', 'dataset_not_found'])
/** Codes of an upload over its cap. */
const TOO_LARGE = new Set(['too_large', 'decompressed_too_large'])
/** Codes of a state that forbids the request. */
const CONFLICT = new Set([
  'conflict',
  'stale_state',
  'lease_lost',
  'object_changed',
  'illegal_transition',
  'upload_missing',
  'dataset_not_uploading',
  'dataset_not_ready',
  'job_finished',
  'nothing_to_collect',
])
/** Codes of a bad value that do not start with `invalid_` or `unknown_`. */
const BAD_INPUT = new Set(['no_tokens', 'estimate_out_of_range', 'constraint_violation', 'direct_access_unsupported'])

/** The HTTP status of a package error code. */
export function statusOf(code: string): number {
  if (NOT_FOUND.has(code)) return 404
  if (TOO_LARGE.has(code)) return 413
  if (CONFLICT.has(code)) return 409
  if (code.startsWith('invalid_') || code.startsWith('unknown_') || BAD_INPUT.has(code)) return 400
  return 500
}

/** The request field a package code is about, for the routes' bodies. */
const FIELD_OF_CODE: Record<string, string> = {
  invalid_size: 'file_size',
  unknown_dataset_format: 'format',
  unknown_gpu: 'gpu_type',
  invalid_gpu_count: 'gpu_count',
  invalid_price: 'price_per_gpu_hour',
  unknown_base_model: 'base_model',
  unknown_preset: 'preset',
  invalid_months: 'months',
}

/** `lora_rank = 0 (allowed: 1 to 512)`, as the core lists invalid hyperparameters. */
const FIELD_ERROR = /([a-z_]+) = (.*?) \(allowed: ([^)]*)\)/g

/** The fields the core's `invalid_hyperparameters` message lists. */
function hyperparameterFields(message: string): ErrorDetails['fields'] {
  return [...message.matchAll(FIELD_ERROR)].map(([, field, value, allowed]) => ({ field: `hyperparameters.${field}`, value, allowed }))
}

/** The package's error (a `BrightRunError`: an Error with a string `code`), if it is one. */
function codeOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && /^[a-z0-9_]+$/.test(code) ? code : undefined
}

/** The JSON answer of any failure: `{error, details}` with its status. */
export function errorResponse(error: unknown): Response {
  if (error instanceof ApiError) return Response.json({ error: error.message, details: error.details }, { status: error.status })
  const code = codeOf(error)
  const status = code ? statusOf(code) : 500
  if (!code || status === 500) {
    console.error('brightrun api: internal error', error)
    return Response.json({ error: 'internal error', details: { code: 'internal' } }, { status: 500 })
  }
  const details: ErrorDetails = { code }
  const message = (error as Error).message
  if (code === 'invalid_hyperparameters') {
    details.fields = hyperparameterFields(message)
    if (details.fields?.length) Object.assign(details, { field: details.fields[0].field, allowed: details.fields[0].allowed })
  } else if (FIELD_OF_CODE[code]) {
    details.field = FIELD_OF_CODE[code]
  }
  return Response.json({ error: message, details }, { status })
}
