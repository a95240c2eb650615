/** `page` and `limit` of list routes, and the page they answer. */

import { badField } from './errors'

/** The default rows of a page. */
export const DEFAULT_LIMIT = 20
/** The most rows of a page. */
export const MAX_LIMIT = 100

/** A page as asked: 1-based `page`, `limit` rows, and the rows skipped before it. */
export interface PageRequest {
  page: number
  limit: number
  offset: number
}

/** An optional whole-number query parameter within `min..max`; 400 naming it otherwise. */
export function integerParam(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const text = query.get(name)
  if (text === null || text === '') return fallback
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw badField(name, `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`, `${min} to ${max}`)
  }
  return value
}

/** The `page` (from 1) and `limit` (1 to 100, default 20) of a list request. */
export function pageRequest(query: URLSearchParams): PageRequest {
  const limit = integerParam(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT)
  const page = integerParam(query, 'page', 1, Math.floor(Number.MAX_SAFE_INTEGER / MAX_LIMIT), 1)
  return { page, limit, offset: (page - 1) * limit }
}

/** A list answer: the rows under `name`, with `total`, `page`, `limit` and `totalPages`. */
export function pageOf<T>(name: string, rows: { items: T[]; total: number }, request: PageRequest): Record<string, unknown> {
  return {
    [name]: rows.items,
    total: rows.total,
    page: request.page,
    limit: request.limit,
    totalPages: Math.ceil(rows.total / request.limit),
  }
}
