// Shared helpers of the client tests: the trainer to run, a worker that always fails, and
// how a missing service skips a test (or fails it under CI=true).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { cliPath, repo } from './helpers.mjs'

export const CHAT = join(repo, 'examples', 'data', 'sample_chat.jsonl')

/** Few, short steps: the smoke model trains them on a CPU in seconds. */
export const QUICK = { epochs: 1, batchSize: 4, maxSeqLen: 512 }

/** Whether this runs under CI, where a missing service fails a test instead of skipping it. */
export function underCi() {
  return !['', '0', 'false'].includes((process.env.CI ?? '').trim())
}

/**
 * Skips the test `t` (prints SKIPPED with the reason), or fails it under CI=true.
 * Returns true when the test must stop.
 */
export function missing(t, reason) {
  if (underCi()) throw new Error(`${reason} (required under CI=true)`)
  console.log(`SKIPPED: ${reason}`)
  t.skip(reason)
  return true
}

/** The Python with the reference trainer ($BRIGHTRUN_TRAINER_PYTHON), or null. */
export function trainerPython() {
  return process.env.BRIGHTRUN_TRAINER_PYTHON || null
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'brightrun-node-') {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A worker command whose worker reports a dataset error and exits 3. */
export function failingWorker(python) {
  const script = join(tempDir(), 'failing_worker.py')
  writeFileSync(
    script,
    [
      'import datetime, json, sys',
      'now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")',
      'print(json.dumps({"v": 1, "seq": 1, "ts": now, "event": "failed",',
      '                  "error_type": "dataset_error", "message": "this worker always fails"}), flush=True)',
      'sys.exit(3)',
      '',
    ].join('\n'),
  )
  return [python, script]
}

/** The CLI's --json output for the BrightRun home `home`. */
export function cliJsonAt(home, ...args) {
  const path = cliPath()
  if (!path) throw new Error('no brightrun CLI: run `cargo build -p brightrun-cli` or set BRIGHTRUN_CLI')
  const env = { ...process.env, BRIGHTRUN_HOME: home }
  for (const name of ['BRIGHTRUN_DATABASE_URL', 'BRIGHTRUN_STORAGE_URL']) delete env[name]
  const done = spawnSync(path, [...args, '--json'], { encoding: 'utf8', env })
  if (done.status !== 0) throw new Error(`brightrun ${args.join(' ')}: ${done.stderr}`)
  return JSON.parse(done.stdout)
}

/**
 * Starts the tests' S3-compatible server ($BRIGHTRUN_TEST_S3_SERVER: s3s over a directory,
 * checking SigV4 signatures, built by scripts/test) serving from a fresh directory. Resolves
 * to `{ url, stop }`: its `s3://` storage URL and a function that stops it; null when the
 * variable is unset.
 */
export async function startS3Server() {
  const server = process.env.BRIGHTRUN_TEST_S3_SERVER
  if (!server) return null
  const { spawn } = await import('node:child_process')
  const { createInterface } = await import('node:readline')
  const child = spawn(server, [tempDir('brightrun-s3-')], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await Promise.race([
    (async () => {
      for await (const first of createInterface({ input: child.stdout })) return [first]
      return ['']
    })(),
    new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the S3 server exited (${code})`)))),
  ])
  if (!line.startsWith('s3://')) throw new Error(`the S3 server printed ${JSON.stringify(line)}`)
  // It serves until its standard input closes.
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve)
    child.stdin.end()
  })
  return { url: line.trim(), stop }
}
