// The app's production server for the e2e test: `next start` on loopback and a free port,
// with a fresh BrightRun home, stopped (with its whole process group) at the end.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Starts `next start -H 127.0.0.1 -p <port>` in `appDir` with BrightRun's home in `home` and
 * the reference trainer run by `python`. Resolves to `{ url, stop, output }` once the server
 * answers; `output()` is what it printed, for a failure's message.
 */
export async function startServer({ appDir, home, python, timeoutMs = 60_000 }) {
  const port = await freePort()
  const env = { ...process.env, BRIGHTRUN_HOME: home, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' }
  // The embedded default, one local user: nothing from a production configuration leaks in.
  for (const name of ['BRIGHTRUN_DATABASE_URL', 'BRIGHTRUN_STORAGE_URL', 'BRIGHTRUN_BACKEND', 'BRIGHTRUN_RUN_WORKER', 'SUPABASE_JWT_SECRET']) delete env[name]
  env.BRIGHTRUN_TRAINER_PYTHON = python
  env.BRIGHTRUN_WORKER = `${python} -m brightrun_trainer`
  const next = join(appDir, 'node_modules', 'next', 'dist', 'bin', 'next')
  const child = spawn(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: appDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      return
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Gone already.
      }
    }, 5000)
    await exited
    clearTimeout(timer)
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${log}`)
    try {
      const response = await fetch(`${url}/api/catalog`)
      if (response.ok) return { url, stop, output: () => log }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await stop()
  throw new Error(`next start did not answer within ${timeoutMs / 1000} s:\n${log}`)
}
