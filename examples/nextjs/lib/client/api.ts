// Browser-side calls of the app's API: every response is `{success: true, data}` or
// `{error, details}`; these helpers unwrap the first and throw the second as an ApiError.

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  /** The HTTP status (0 when no answer came). */
  readonly status: number
  /** The `details` of the error body: the field and allowed range of a 400, for example. */
  readonly details: unknown

  constructor(message: string, status: number, details?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.details = details
  }
}

/** The envelope of a successful answer. */
interface Success<T> {
  success: true
  data: T
}

/** Reads an API response: its `data`, or an ApiError with the body's `error` and `details`. */
async function readResponse<T>(response: Response): Promise<T> {
  let body: unknown
  try {
    body = await response.json()
  } catch {
    throw new ApiError(`${response.status} ${response.statusText}: the answer is not JSON`, response.status)
  }
  if (response.ok && isSuccess<T>(body)) return body.data
  const failure = (body ?? {}) as { error?: unknown; details?: unknown }
  const message = typeof failure.error === 'string' ? failure.error : `${response.status} ${response.statusText}`
  throw new ApiError(message, response.status, failure.details)
}

function isSuccess<T>(body: unknown): body is Success<T> {
  return typeof body === 'object' && body !== null && (body as Success<T>).success === true
}

/** GET `path` (with `query` as its search parameters, empty values left out): the answer's `data`. */
export async function apiGet<T>(path: string, query?: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): Promise<T> {
  return readResponse<T>(await send(withQuery(path, query), { signal }))
}

/** POST, PUT, PATCH or DELETE `path` with a JSON `body`: the answer's `data`. */
export async function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, signal }
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' }
    init.body = JSON.stringify(body)
  }
  return readResponse<T>(await send(path, init))
}

/** `path` with the non-empty entries of `query` as search parameters. */
export function withQuery(path: string, query?: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(name, String(value))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, credentials: 'same-origin', cache: 'no-store' })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(`the server could not be reached (${error instanceof Error ? error.message : String(error)})`, 0)
  }
}

/** A message for any error caught from these helpers, with the fields and ranges a 400 names. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const fields = error instanceof ApiError ? fieldsOf(error.details) : []
  return fields.length ? `${error.message} (${fields.join('; ')})` : error.message
}

/** The `field: allowed` pairs of an error's details (`{field, allowed}` or `{fields: [...]}`). */
function fieldsOf(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return []
  const { field, allowed, fields } = details as { field?: unknown; allowed?: unknown; fields?: unknown }
  const one = (name: unknown, range: unknown) => (typeof name === 'string' ? [typeof range === 'string' ? `${name}: ${range}` : name] : [])
  if (Array.isArray(fields)) return fields.flatMap((item: { field?: unknown; allowed?: unknown }) => one(item?.field, item?.allowed))
  return one(field, allowed)
}

/** Whether `error` is the abort of a superseded request, which nobody needs to see. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}
