// The authentication adapter: with SUPABASE_JWT_SECRET, a verified Supabase token (bearer or
// cookie) names the user and anything else answers 401; without it, the local user on
// loopback only.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { after, before, test } from 'node:test'

import { SECRET, startServer, token } from './server.mjs'

/** The package's local user (`LOCAL_USER`). */
const LOCAL_USER = '00000000-0000-4000-8000-627269676874'

let authed, open

before(async () => {
  authed = await startServer()
  open = await startServer({ secret: null })
})
after(async () => {
  await authed?.stop()
  await open?.stop()
})

/** GET `path` with `headers` through node:http (which lets a test set Host). */
function get(base, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('with a JWT secret, a verified bearer token names the user', async () => {
  const id = randomUUID()
  const answer = await get(authed.url, '/api/datasets', { authorization: `Bearer ${token(id)}` })
  assert.equal(answer.status, 200)
  const created = await fetch(`${authed.url}/api/datasets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token(id)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'mine', file_name: 'a.jsonl', file_size: 5 }),
  })
  assert.equal((await created.json()).data.dataset.userId, id)
})

test('the Supabase cookies carry the token too', async () => {
  const id = randomUUID()
  const session = JSON.stringify({ access_token: token(id), refresh_token: 'r', token_type: 'bearer' })
  const encoded = `base64-${Buffer.from(session).toString('base64url')}`
  const cookies = [
    `sb-access-token=${token(id)}`,
    `theme=dark; sb-abcdefghijklmnop-auth-token=${encodeURIComponent(session)}`,
    `sb-abcdefghijklmnop-auth-token.1=${encoded.slice(40)}; sb-abcdefghijklmnop-auth-token.0=${encoded.slice(0, 40)}`,
  ]
  for (const cookie of cookies) {
    const answer = await get(authed.url, '/api/notifications', { cookie })
    assert.equal(answer.status, 200, cookie)
  }
})

test('a missing, forged, expired or misdirected token answers 401', async () => {
  const id = randomUUID()
  const forged = token(id).replace(/\.[^.]+$/, `.${Buffer.alloc(32).toString('base64url')}`)
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token(id).split('.')[1]}.`
  const cases = {
    none: {},
    'not a bearer': { authorization: `Basic ${token(id)}` },
    garbage: { authorization: 'Bearer abc.def' },
    forged: { authorization: `Bearer ${forged}` },
    'another secret': { authorization: `Bearer ${token(id, {}, 'some-other-secret')}` },
    'alg none': { authorization: `Bearer ${unsigned}` },
    expired: { authorization: `Bearer ${token(id, { exp: Math.floor(Date.now() / 1000) - 5 })}` },
    'no exp': { authorization: `Bearer ${token(id, { exp: undefined })}` },
    'anon audience': { authorization: `Bearer ${token(id, { aud: 'anon' })}` },
    'sub not a uuid': { authorization: `Bearer ${token('alice')}` },
    'bad cookie': { cookie: 'sb-x-auth-token=%7Bnot json' },
  }
  for (const [name, headers] of Object.entries(cases)) {
    const answer = await get(authed.url, '/api/datasets', headers)
    assert.equal(answer.status, 401, name)
    assert.equal(answer.body.details.code, 'unauthenticated', name)
    assert.equal(typeof answer.body.error, 'string')
  }
  assert.ok(SECRET.length >= 32)
})

test('without a JWT secret: the local user, on loopback only', async () => {
  const created = await fetch(`${open.url}/api/datasets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'local', file_name: 'a.jsonl', file_size: 5 }),
  })
  assert.equal(created.status, 201)
  assert.equal((await created.json()).data.dataset.userId, LOCAL_USER)
  const port = new URL(open.url).port
  for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`]) {
    assert.equal((await get(open.url, '/api/datasets', { host })).status, 200, host)
  }
  for (const host of ['example.com', `brightrun.example.com:${port}`, `10.0.0.5:${port}`, `127.0.0.1.nip.io:${port}`]) {
    const answer = await get(open.url, '/api/datasets', { host })
    assert.equal(answer.status, 401, host)
    assert.match(answer.body.error, /loopback/)
  }
})
