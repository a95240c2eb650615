/**
 * The frame of every API route: authenticate, scope the client to the caller, run the
 * handler, and answer any failure as `{error, details}` with its status.
 */

import type { BrightRun } from 'brightrun'

import { authenticate } from './auth'
import { clientFor } from './client'
import { errorResponse } from './errors'

/** What a handler gets: the request, its URL's query, the route's params and the caller's client. */
export interface Call<P> {
  request: Request
  query: URLSearchParams
  params: P
  br: BrightRun
}

/** A Next.js route handler from `handler`, authenticated and with its errors answered. */
export function route<P extends Record<string, string> = Record<string, never>>(
  handler: (call: Call<P>) => Promise<Response>,
): (request: Request, context: { params: Promise<P> }) => Promise<Response> {
  return async (request, context) => {
    try {
      const br = await clientFor(authenticate(request))
      const params = await context.params
      return await handler({ request, query: new URL(request.url).searchParams, params, br })
    } catch (error) {
      return errorResponse(error)
    }
  }
}
