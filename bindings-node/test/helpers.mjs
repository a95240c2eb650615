// Shared test helpers: the `brightrun` CLI, to compare the package with its --json output.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** $BRIGHTRUN_CLI (scripts/test sets it), else the debug build in the target directory. */
export function cliPath() {
  if (process.env.BRIGHTRUN_CLI) return process.env.BRIGHTRUN_CLI
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, 'target')
  const candidate = join(target, process.env.CARGO_BUILD_TARGET ?? '', 'debug', 'brightrun')
  return existsSync(candidate) ? candidate : null
}

/** Runs the CLI with --json and returns the parsed output (also when it exits 1, as
 * `brightrun validate` does for an invalid file). */
export function cliJson(...args) {
  const path = cliPath()
  if (!path) throw new Error('no brightrun CLI: run `cargo build -p brightrun-cli` or set BRIGHTRUN_CLI')
  const done = spawnSync(path, [...args, '--json'], { encoding: 'utf8' })
  if (done.status !== 0 && done.status !== 1) throw new Error(`brightrun ${args.join(' ')}: ${done.stderr}`)
  return JSON.parse(done.stdout)
}

/** The CLI's snake_case JSON with the package's camelCase keys. */
export function camelize(value) {
  if (Array.isArray(value)) return value.map(camelize)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelize(v)]),
  )
}

/** A JSON value without its null fields: the package leaves absent values out. */
export function withoutNulls(value) {
  return JSON.parse(JSON.stringify(value, (_, v) => (v === null ? undefined : v)))
}

/** estimate()'s options as the CLI's flags: the same names, kebab-case. */
export function cliFlags(options) {
  const flags = []
  for (const [name, value] of Object.entries(options)) {
    const flag = '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
    if (name === 'gradientCheckpointing') flags.push(value ? flag : '--no-gradient-checkpointing')
    else if (Array.isArray(value)) flags.push(flag, value.join(','))
    else flags.push(flag, String(value))
  }
  return flags
}

export const MISTRAL = 'mistralai/Mistral-7B-v0.1'
