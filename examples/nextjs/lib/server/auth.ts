/**
 * The authentication adapter: who is calling. With `SUPABASE_JWT_SECRET` set, the user is
 * the verified Supabase access token's `sub`, from `Authorization: Bearer` or the Supabase
 * auth cookie; without it, the package's one local user, for a server reachable from this
 * machine only (a request whose `Host` is not loopback is refused).
 */

import { LOCAL_USER } from 'brightrun'

import { ApiError } from './errors'
import { verifiedSubject } from './jwt'

/** The cookie of `@supabase/auth-helpers` (a bare token). */
const LEGACY_COOKIE = 'sb-access-token'
/** `sb-<project ref>-auth-token`, maybe chunked (`.0`, `.1`, ...), of `@supabase/ssr`. */
const SESSION_COOKIE = /^sb-[a-z0-9-]+-auth-token(\.\d+)?$/i

function unauthenticated(message: string): ApiError {
  return new ApiError(401, message, { code: 'unauthenticated' })
}

/** What authentication reads of a request: its headers (a web `Request` is one). */
export interface Credentials {
  headers: { get(name: string): string | null }
}

/** The cookies of a request by name. */
function cookies(request: Credentials): Map<string, string> {
  const jar = new Map<string, string>()
  for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at <= 0) continue
    const value = pair.slice(at + 1).trim()
    try {
      jar.set(pair.slice(0, at).trim(), decodeURIComponent(value))
    } catch {
      jar.set(pair.slice(0, at).trim(), value)
    }
  }
  return jar
}

/** The access token of a `@supabase/ssr` session cookie: JSON, maybe `base64-` encoded, maybe chunked. */
function sessionToken(jar: Map<string, string>): string | undefined {
  const names = [...jar.keys()].filter((name) => SESSION_COOKIE.test(name)).sort((a, b) => chunkOf(a) - chunkOf(b))
  if (names.length === 0) return undefined
  let text = names.map((name) => jar.get(name)).join('')
  if (text.startsWith('base64-')) text = Buffer.from(text.slice('base64-'.length), 'base64url').toString('utf8')
  try {
    const session: unknown = JSON.parse(text)
    const token = Array.isArray(session) ? session[0] : (session as { access_token?: unknown } | null)?.access_token
    return typeof token === 'string' ? token : undefined
  } catch {
    return undefined
  }
}

function chunkOf(name: string): number {
  const match = /\.(\d+)$/.exec(name)
  return match ? Number(match[1]) : -1
}

/** The token a request carries: the bearer header first, then the cookies. */
function tokenOf(request: Credentials): string | undefined {
  const header = request.headers.get('authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    return match?.[1]
  }
  const jar = cookies(request)
  return jar.get(LEGACY_COOKIE) ?? sessionToken(jar)
}

/** Whether `host` (a `Host` header) names this machine. */
export function isLoopbackHost(host: string | null): boolean {
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}

/** Whether authentication is configured (a Supabase JWT secret is set). */
export function authConfigured(): boolean {
  return Boolean(process.env.SUPABASE_JWT_SECRET)
}

/** The calling user's id (a UUID); a 401 `ApiError` when the request may not call. */
export function authenticate(request: Credentials): string {
  const secret = process.env.SUPABASE_JWT_SECRET
  if (!secret) {
    if (!isLoopbackHost(request.headers.get('host'))) {
      throw unauthenticated('without SUPABASE_JWT_SECRET this server serves its local user on loopback only (start it with -H 127.0.0.1)')
    }
    return LOCAL_USER
  }
  const token = tokenOf(request)
  if (!token) throw unauthenticated('sign in: a Supabase access token is required (Authorization: Bearer or the auth cookie)')
  const user = verifiedSubject(token, secret)
  if (!user) throw unauthenticated('the access token is invalid or expired')
  return user
}
