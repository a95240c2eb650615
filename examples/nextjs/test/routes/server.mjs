// The app's production server for the route tests: `next build` once (unless built), then
// `next start -H 127.0.0.1` on a free port with a fresh BRIGHTRUN_HOME, and plain-HTTP
// helpers to call it as two users with signed Supabase tokens.
import { spawn, spawnSync } from 'node:child_process'
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

export const APP = fileURLToPath(new URL('../..', import.meta.url))
export const REPO = resolve(APP, '../..')
/** A small valid chat dataset (24 conversations): the smoke model trains on it in seconds. */
export const CHAT_PATH = join(REPO, 'examples', 'data', 'sample_chat.jsonl')
export const CHAT = readFileSync(CHAT_PATH)
/** The Supabase JWT secret of the servers with authentication. */
export const SECRET = 'route-tests-secret-of-at-least-32-characters'
/** Few, short steps of the smoke model. */
export const QUICK = { epochs: 1, batch_size: 4, max_seq_len: 512 }

const NEXT = join(APP, 'node_modules', 'next', 'dist', 'bin', 'next')

/** Whether this runs under CI, where a missing trainer fails a test instead of skipping it. */
export function underCi() {
  return !['', '0', 'false'].includes((process.env.CI ?? '').trim())
}

/**
 * `false` when $BRIGHTRUN_TRAINER_PYTHON names the reference trainer's Python, else the
 * reason to skip a test that trains (printed); under CI=true a missing trainer throws.
 */
export function withoutTrainer() {
  if (process.env.BRIGHTRUN_TRAINER_PYTHON) return false
  const reason = 'BRIGHTRUN_TRAINER_PYTHON is not set: training needs the reference trainer'
  if (underCi()) throw new Error(`${reason} (required under CI=true)`)
  console.log(`SKIPPED: ${reason}`)
  return reason
}

/**
 * The tests' S3-compatible server ($BRIGHTRUN_TEST_S3_SERVER, which checks SigV4
 * signatures) on a fresh directory: `{url, stop}`, `url` the storage URL it prints. Without
 * it, `null` (a skip), or a throw under CI=true.
 */
export async function startS3Server() {
  const program = process.env.BRIGHTRUN_TEST_S3_SERVER
  if (!program) {
    const reason = 'BRIGHTRUN_TEST_S3_SERVER is not set: the S3 tests need the S3 test server (cargo build -p brightrun-tests --bin s3-test-server)'
    if (underCi()) throw new Error(`${reason} (required under CI=true)`)
    console.log(`SKIPPED: ${reason}`)
    return null
  }
  const dir = mkdtempSync(join(tmpdir(), 'brightrun-s3-'))
  const child = spawn(program, [dir], { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    let text = ''
    child.stdout.on('data', (chunk) => {
      text += chunk
      if (text.includes('\n')) resolve(text.split('\n')[0].trim())
    })
    child.once('exit', (code) => reject(new Error(`the S3 server exited (${code})`)))
  })
  if (!line.startsWith('s3://')) throw new Error(`the S3 server printed ${JSON.stringify(line)}`)
  // It serves until its standard input closes.
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.stdin.end()
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  return { url: line, stop }
}

/** Builds the app once, unless a build is there (`npm run build` before `npm test`). */
function ensureBuilt() {
  if (existsSync(join(APP, '.next', 'BUILD_ID'))) return
  const built = spawnSync(process.execPath, [NEXT, 'build'], { cwd: APP, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('next build failed')
}

async function freePort() {
  const server = createServer()
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address()
  await new Promise((done) => server.close(done))
  return port
}

/** This process's environment less any production configuration, with `extra` on top. */
function serverEnv(extra) {
  const env = { ...process.env }
  for (const name of ['BRIGHTRUN_DATABASE_URL', 'BRIGHTRUN_STORAGE_URL', 'BRIGHTRUN_BACKEND', 'BRIGHTRUN_RUN_WORKER', 'SUPABASE_JWT_SECRET']) delete env[name]
  return { ...env, ...extra }
}

/**
 * Starts the production server on loopback with a fresh BrightRun home; `secret` turns
 * authentication on. Resolves to `{url, home, stop, log}`.
 */
export async function startServer({ secret = SECRET, env = {} } = {}) {
  ensureBuilt()
  const port = await freePort()
  const home = mkdtempSync(join(tmpdir(), 'brightrun-next-'))
  // The reference trainer of $BRIGHTRUN_TRAINER_PYTHON trains the jobs (the local backend's worker).
  const python = process.env.BRIGHTRUN_TRAINER_PYTHON
  const worker = python ? { BRIGHTRUN_WORKER: `'${python}' -m brightrun_trainer` } : {}
  const child = spawn(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: APP,
    env: serverEnv({ ...worker, BRIGHTRUN_HOME: home, NEXT_TELEMETRY_DISABLED: '1', ...(secret ? { SUPABASE_JWT_SECRET: secret } : {}), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', (chunk) => (log += chunk))
  child.stderr.on('data', (chunk) => (log += chunk))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      await exited
    }
    // A job's trainer (the local backend's worker) may still be writing its last files in
    // the home as the server exits: removal is retried until it has stopped.
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    if (child.exitCode !== null) break
    try {
      await fetch(`${url}/api/catalog`)
      return { url, home, stop, log: () => log }
    } catch {
      // Not listening yet.
    }
  }
  await stop()
  throw new Error(`the server did not start:\n${log}`)
}

/** An HS256 Supabase access token for `sub`, with `claims` on top (`exp`, `aud`, ...). */
export function token(sub, claims = {}, secret = SECRET) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const payload = { sub, aud: 'authenticated', role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600, ...claims }
  const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

/** A user of the server: `call(method, path, body)` answers `{status, body, headers}`. */
export function user(url, name, id = randomUUID()) {
  const bearer = token(id)
  return {
    name,
    id,
    bearer,
    async call(method, path, body, headers = {}) {
      const init = { method, headers: { authorization: `Bearer ${bearer}`, ...headers } }
      if (body !== undefined) {
        init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)
        if (!(body instanceof Uint8Array)) init.headers['content-type'] = 'application/json'
      }
      const response = await fetch(`${url}${path}`, init)
      const text = await response.text()
      let parsed
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
      return { status: response.status, body: parsed, headers: response.headers }
    },
  }
}

/** Polls `read` until `done(value)`, at most `timeoutMs`. */
export async function waitFor(read, done, timeoutMs, what) {
  let value
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    value = await read()
    if (done(value)) return value
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)?.slice(0, 500)}`)
}

/** Creates, uploads and confirms a dataset of `bytes` through the API; resolves to it once `ready` or `error`. */
export async function uploadDataset(caller, bytes = CHAT, name = 'chat sample') {
  const created = await caller.call('POST', '/api/datasets', { name, format: 'chat', file_name: 'chat.jsonl', file_size: bytes.length })
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`)
  const put = await caller.call('PUT', created.body.data.uploadUrl, bytes)
  if (put.status !== 200) throw new Error(`upload: ${JSON.stringify(put.body)}`)
  const confirmed = await caller.call('POST', `/api/datasets/${created.body.data.dataset.id}/confirm`)
  if (confirmed.status !== 200) throw new Error(`confirm: ${JSON.stringify(confirmed.body)}`)
  const read = async () => (await caller.call('GET', `/api/datasets/${created.body.data.dataset.id}`)).body.data.dataset
  return waitFor(read, (d) => d.status === 'ready' || d.status === 'error', 60_000, 'the validation')
}

/** Asserts a 400 naming `field`; returns the body. */
export function badField(assert, answer, field) {
  assert.equal(answer.status, 400, JSON.stringify(answer.body))
  assert.equal(answer.body.details.field, field, JSON.stringify(answer.body))
  assert.equal(typeof answer.body.error, 'string')
  return answer.body
}

/** Asserts a 404 `not_found`. */
export function notFound(assert, answer) {
  assert.equal(answer.status, 404, JSON.stringify(answer.body))
  assert.equal(answer.body.details.code, 'not_found')
}

/** The sha256 of bytes, hex. */
export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')
