/**
 * Verification of a Supabase access token: a JWT signed with HS256 by the project's JWT
 * secret. Only `node:crypto`: the signature is compared in constant time, then `exp` and
 * `aud` are checked.
 */

import { createHmac, timingSafeEqual } from 'node:crypto'

/** The audience of a signed-in Supabase user's token. */
export const AUDIENCE = 'authenticated'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * The user id (`sub`, a UUID) of a valid token, or `undefined`: a bad shape, algorithm or
 * signature, an expired token (or one without `exp`), or another audience.
 */
export function verifiedSubject(token: string, secret: string, nowSeconds = Date.now() / 1000): string | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, payload, signature] = parts
  if (decodeJson(header)?.alg !== 'HS256') return undefined
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest()
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  const claims = decodeJson(payload)
  if (!claims || typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return undefined
  const aud = claims.aud
  if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) return undefined
  return typeof claims.sub === 'string' && UUID.test(claims.sub) ? claims.sub.toLowerCase() : undefined
}
