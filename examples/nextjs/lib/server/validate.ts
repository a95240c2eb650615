/**
 * Hand-written checks of request bodies and query parameters: each failure is a 400 that
 * names the field and what it accepts. Values the core knows the rules of (name lengths,
 * GPU names, hyperparameter ranges) are checked by the core, whose errors name them too.
 */

import { ApiError, badField } from './errors'

/** A JSON object body. */
export type Body = Record<string, unknown>

/** The most bytes of a JSON body. */
const MAX_BODY_BYTES = 64 * 1024

/** The request's JSON body, which must be an object of at most 64 KiB. */
export async function readBody(request: Request): Promise<Body> {
  const text = await request.text()
  if (text.length > MAX_BODY_BYTES) throw new ApiError(413, `a request body is at most ${MAX_BODY_BYTES} bytes`, { code: 'too_large', field: 'body' })
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badField('body', 'the body must be a JSON object', 'a JSON object')
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badField('body', 'the body must be a JSON object', 'a JSON object')
  return body as Body
}

/** Refuses fields other than `known`, naming the first stranger. */
export function onlyFields(body: Body, known: readonly string[], where = ''): void {
  for (const name of Object.keys(body)) {
    if (!known.includes(name)) throw badField(`${where}${name}`, `unknown field ${where}${name}: expected ${known.join(', ')}`, known.join(', '))
  }
}

/** A string field: `required` or else `undefined` when absent; `nullable` lets `null` through. */
export function stringField(body: Body, field: string, opts: { required: true }): string
export function stringField(body: Body, field: string, opts?: { required?: false; nullable?: boolean }): string | null | undefined
export function stringField(body: Body, field: string, opts: { required?: boolean; nullable?: boolean } = {}): string | null | undefined {
  const value = body[field]
  if (value === undefined) {
    if (opts.required) throw badField(field, `${field} is required (a non-empty string)`, 'a non-empty string')
    return undefined
  }
  if (value === null && opts.nullable) return null
  if (typeof value !== 'string' || (opts.required && value.trim() === '')) {
    throw badField(field, `${field} must be a ${opts.required ? 'non-empty ' : ''}string${opts.nullable ? ' or null' : ''}`, 'a string')
  }
  return value
}

/** A whole-number field from `min` (to `max`, when the API bounds it; else the core does). */
export function integerField(body: Body, field: string, range: { min: number; max?: number; required: true }): number
export function integerField(body: Body, field: string, range: { min: number; max?: number; required?: false }): number | undefined
export function integerField(body: Body, field: string, range: { min: number; max?: number; required?: boolean }): number | undefined {
  const { min, max } = range
  const allowed = max === undefined ? `a whole number from ${min}` : `${min} to ${max}`
  const value = body[field]
  if (value === undefined && !range.required) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    const given = value === undefined ? 'missing' : `not ${JSON.stringify(value)}`
    throw badField(field, `${field} must be ${max === undefined ? allowed : `a whole number from ${allowed}`}, ${given}`, allowed)
  }
  return value
}

/** An amount of money: a non-negative decimal string (`"12.50"`), `null` when `nullable`. */
export function moneyField(body: Body, field: string): string | null | undefined {
  const value = body[field]
  if (value === undefined || value === null) return value
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (typeof text !== 'string' || !/^\d{1,12}(\.\d{1,6})?$/.test(text)) {
    throw badField(field, `${field} must be an amount in USD as a decimal string such as "12.50" (or null), not ${JSON.stringify(value)}`, 'a decimal string such as "12.50", or null')
  }
  return text
}

/** One of `choices`, from a query parameter or a body field; `undefined` when absent. */
export function choice<T extends string>(value: unknown, field: string, choices: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw badField(field, `${field} must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}`, choices.join(', '))
  }
  return value as T
}
