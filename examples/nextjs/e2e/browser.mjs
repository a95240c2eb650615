// Debian's chromium driven by playwright-core: nothing is downloaded at run time.
import { existsSync } from 'node:fs'

import { chromium } from 'playwright-core'

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium'

/** Flags that keep the browser from reaching the network on its own or needing a sandbox. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * A fresh browser context with its own profile in `userDataDir`, a 1280x800 viewport and
 * downloads accepted.
 */
export async function launchBrowser(userDataDir) {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium`)
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-US',
  })
}
