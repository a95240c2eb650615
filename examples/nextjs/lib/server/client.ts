/**
 * The one BrightRun client of the server process, opened from the environment
 * (`BRIGHTRUN_HOME`, `BRIGHTRUN_DATABASE_URL`, `BRIGHTRUN_STORAGE_URL`,
 * `BRIGHTRUN_RUN_WORKER`). In the embedded default it runs the orchestrator in this process.
 * It is kept on `globalThis`, so a dev server's hot reload reuses it instead of opening the
 * database (and starting an orchestrator) twice.
 */

import { BrightRun } from 'brightrun'

const KEY = Symbol.for('brightrun.nextjs.client')

type Holder = { [KEY]?: Promise<BrightRun> }

/** The process's client (opened on first use; a failed open is retried by the next call). */
export function brightrun(): Promise<BrightRun> {
  const holder = globalThis as Holder
  holder[KEY] ??= BrightRun.fromEnv().catch((error: unknown) => {
    delete holder[KEY]
    throw error
  })
  return holder[KEY]
}

/** The client scoped to one user: it sees and changes only that user's rows. */
export async function clientFor(userId: string): Promise<BrightRun> {
  return (await brightrun()).forUser(userId)
}
