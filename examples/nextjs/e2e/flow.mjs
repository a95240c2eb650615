// The product's end-to-end test in a real browser: `npm run build` first, then `npm run e2e`.
//
// Starts the production server (`next start`) on loopback with a fresh BrightRun home and the
// reference trainer ($BRIGHTRUN_TRAINER_PYTHON), then, in Debian's chromium: uploads a dataset
// by drag and drop and sees its validation report; configures a job from a preset and sees the
// estimate change when a field changes; trains the smoke model and sees the loss chart grow;
// downloads the adapter and checks its sha256; sees the notification in the bell; sets a
// budget; uploads a broken file through the file input and sees its errors by line; filters
// and searches the datasets; cancels a long job from its monitor. Saves screenshots of the main pages to docs/images/nextjs-<page>.png. Exits non-zero
// with a message on any failure, and always stops the server and the browser.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { launchBrowser } from './browser.mjs'
import { brokenDataset, chatDataset } from './dataset.mjs'
import { startServer } from './server.mjs'

const APP = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const IMAGES = resolve(APP, '..', '..', 'docs', 'images')
/** How long the smoke model may take to train, queueing included. */
const TRAINING_TIMEOUT_MS = 5 * 60_000

/** Whether this runs under CI, where a missing trainer fails the test instead of skipping it. */
function underCi() {
  return !['', '0', 'false'].includes((process.env.CI ?? '').trim())
}

/** Polls `check` (async, returning a truthy value when done) until it is done or `timeoutMs` passes. */
async function waitUntil(what, check, timeoutMs = 30_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
    await new Promise((done) => setTimeout(done, intervalMs))
  }
}

/** Throws `message` unless `condition` holds. */
function check(condition, message) {
  if (!condition) throw new Error(message)
}

/** Runs one named step of the flow, printing it and how long it took. */
async function step(name, run) {
  const started = Date.now()
  process.stdout.write(`- ${name} ... `)
  const value = await run()
  console.log(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  return value
}

/** Saves a screenshot of the top of the page as docs/images/nextjs-<name>.png. */
async function screenshot(page, name) {
  await page.evaluate(() => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
    window.scrollTo(0, 0)
  })
  await page.screenshot({ path: join(IMAGES, `nextjs-${name}.png`), fullPage: false })
}

/** The text of the estimate's figures once no newer estimate is on its way. */
async function settledEstimate(page) {
  await page.waitForSelector('[data-testid=estimate][aria-busy=false] [data-testid=estimate-duration]')
  return page.locator('[data-testid=estimate] dl').first().innerText()
}

/** The numbers of training and validation points the loss chart draws. */
async function chartPoints(page) {
  const chart = page.getByTestId('loss-chart')
  if ((await chart.count()) === 0) return { training: 0, validation: 0 }
  return {
    training: Number(await chart.getAttribute('data-training-points')),
    validation: Number(await chart.getAttribute('data-validation-points')),
  }
}

async function main() {
  const python = process.env.BRIGHTRUN_TRAINER_PYTHON
  if (!python) {
    if (underCi()) throw new Error('BRIGHTRUN_TRAINER_PYTHON is not set (required under CI=true): the Python with the reference trainer')
    console.log('SKIPPED: set BRIGHTRUN_TRAINER_PYTHON to the Python with the reference trainer (brightrun-trainer)')
    return
  }
  check(existsSync(join(APP, '.next', 'BUILD_ID')), 'no production build: run `npm run build` first')
  mkdirSync(IMAGES, { recursive: true })

  const temp = mkdtempSync(join(tmpdir(), 'brightrun-e2e-'))
  const datasetText = chatDataset()
  let server
  let browser
  const pageErrors = []
  try {
    server = await step('start the production server', () => startServer({ appDir: APP, home: join(temp, 'home'), python }))
    browser = await step('launch chromium', () => launchBrowser(join(temp, 'profile')))
    const page = browser.pages()[0] ?? (await browser.newPage())
    page.setDefaultTimeout(30_000)
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const { url } = server

    await step('upload a dataset by drag and drop, with a progress bar', async () => {
      await page.goto(`${url}/datasets/new`)
      await page.waitForSelector('[data-testid=dropzone]')
      // Record every value the progress bar shows.
      await page.evaluate(() => {
        window.__progress = []
        new MutationObserver(() => {
          const bar = document.querySelector('[data-testid=upload-progress]')
          if (bar) window.__progress.push([bar.value, bar.max])
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value', 'max'] })
      })
      const transfer = await page.evaluateHandle(({ name, text }) => {
        const data = new DataTransfer()
        data.items.add(new File([text], name, { type: 'application/x-ndjson' }))
        return data
      }, { name: 'coach.jsonl', text: datasetText })
      await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer: transfer })
      await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: transfer })
      await page.getByText('coach.jsonl', { exact: false }).first().waitFor()
      await page.getByLabel('Name', { exact: true }).fill('e2e coach')
      await page.getByRole('button', { name: 'Upload and validate' }).click()
      await page.getByTestId('validation-report').or(page.getByText('Validating')).first().waitFor()
      const progress = await page.evaluate(() => window.__progress)
      const size = Buffer.byteLength(datasetText)
      check(progress.length > 0, 'the progress bar never showed')
      check(progress.some(([value]) => value < size), `the progress bar never showed a part sent: ${JSON.stringify(progress)}`)
      check(progress.some(([value, max]) => value === size && max === size), `the progress bar never reached ${size} bytes: ${JSON.stringify(progress)}`)
    })

    await step('see it validated, with its report', async () => {
      const outcome = page.getByTestId('validation-outcome')
      await outcome.waitFor({ timeout: 60_000 })
      const text = await outcome.innerText()
      check(text.includes('Ready to train'), `the dataset is not ready: ${text}`)
      await page.getByTestId('statistics').waitFor()
      const duplicate = page.locator('table.findings tr', { hasText: 'duplicate_conversation' })
      check((await duplicate.count()) >= 1, 'the report has no row for the repeated conversation')
      const line = (await duplicate.first().locator('td').first().innerText()).trim()
      check(line.startsWith('40'), `the duplicate is reported on line ${line}, not 40`)
      await screenshot(page, 'dataset-report')
    })

    await step('configure a job from a preset and see the estimate change', async () => {
      await page.getByRole('link', { name: 'Train on it' }).first().click()
      await page.waitForURL(/\/jobs\/new/)
      await settledEstimate(page)
      await page.getByTestId('preset-conservative').click()
      check(await page.getByTestId('preset-conservative').locator('input').isChecked(), 'the conservative preset is not selected')
      const before = await waitUntil('the conservative preset in the form', async () =>
        (await page.inputValue('#hp-epochs')) === '3' && settledEstimate(page))
      // The form's ranges are the core's (through the catalog), not a copy of them.
      check(await page.getAttribute('#hp-epochs', 'max') === '100', 'the epochs input does not stop at the core\'s 100')
      check(await page.getAttribute('#hp-learningRate', 'step') === 'any', 'the learning rate is not a real number in the form')
      const modules = await page.inputValue('#hp-targetModules')
      check(modules === 'q_proj, k_proj, v_proj, o_proj', `the target modules are not the preset's: ${modules}`)
      await page.fill('#hp-epochs', '2')
      const after = await waitUntil('the estimate to change after the epochs changed', async () => {
        const text = await settledEstimate(page)
        return text !== before && text
      }, 15_000)
      check(after.includes('Tokens trained'), `the estimate shows no tokens: ${after}`)
      // Quick values: the smoke model trains them on a CPU in well under a minute.
      for (const [field, value] of [['learningRate', '0.005'], ['batchSize', '2'], ['warmupSteps', '2'], ['maxSeqLen', '512']]) {
        await page.fill(`#hp-${field}`, value)
      }
      // A price of our own, so the job costs something (the CPU's catalog price is zero):
      // a cent a second, since each attempt is billed in whole cents and the smoke model
      // trains in seconds.
      await page.fill('#job-price', '36.00')
      const priced = await waitUntil('the estimate after the quick values', async () => {
        const text = await settledEstimate(page)
        return text !== after && text
      })
      check(priced.includes('at $36.00 USD/GPU-hour'), `the estimate does not price 36.00 USD per GPU-hour: ${priced}`)
      await screenshot(page, 'configure')
    })

    const jobUrl = await step('start training the smoke model', async () => {
      check((await page.inputValue('#job-base-model')) === 'smoke', 'the base model is not smoke')
      await page.getByRole('button', { name: 'Start training' }).click()
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/)
      return page.url()
    })

    await step('see the loss chart grow while it trains', async () => {
      const first = await waitUntil('the first training loss point', async () => {
        const points = await chartPoints(page)
        return points.training > 0 && points.training
      }, TRAINING_TIMEOUT_MS)
      await waitUntil(`more than ${first} points`, async () => (await chartPoints(page)).training > first, 60_000, 100)
    })

    const finalCost = await step('wait for completion', async () => {
      await page.getByTestId('job-done').waitFor({ timeout: TRAINING_TIMEOUT_MS })
      // The chart of the finished job: its stored curves, validation included.
      const points = await waitUntil('the validation curve', async () => {
        const now = await chartPoints(page)
        return now.validation > 0 && now
      }, 15_000)
      check(points.training > 1, `only ${points.training} training points`)
      await screenshot(page, 'job-monitor')
      return (await page.getByTestId('job-cost').innerText()).trim()
    })

    await step('download the adapter and check its sha256', async () => {
      await page.getByRole('link', { name: 'Open the adapter' }).click()
      await page.waitForURL(/\/models\/[0-9a-f-]{36}$/)
      const row = page.locator('tr[data-file="adapter_model.safetensors"]')
      await row.getByRole('link', { name: /Download/ }).waitFor()
      const listed = (await row.getByTestId('sha256').innerText()).trim()
      check(/^[0-9a-f]{64}$/.test(listed), `the listed sha256 is ${listed}`)
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: /Download/ }).click()])
      const saved = join(temp, 'adapter_model.safetensors')
      await download.saveAs(saved)
      const actual = createHash('sha256').update(readFileSync(saved)).digest('hex')
      check(actual === listed, `the downloaded file's sha256 ${actual} is not the listed ${listed}`)
      await screenshot(page, 'model')
    })

    await step('see the notification in the bell', async () => {
      await page.getByTestId('unread-count').waitFor({ timeout: 20_000 })
      await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click()
      await page.locator('.bell-panel .notification[data-type=job_complete]').first().waitFor()
      await screenshot(page, 'notifications')
      // Escape closes the list and gives the focus back to the bell.
      await page.keyboard.press('Escape')
      await page.locator('.bell-panel').waitFor({ state: 'detached' })
      check(await page.evaluate(() => document.activeElement?.classList.contains('bell-button')), 'Escape did not return the focus to the bell')
      await page.keyboard.press('Enter')
      await page.locator('.bell-panel').getByRole('button', { name: 'Mark all read' }).click()
      await page.getByTestId('unread-count').waitFor({ state: 'detached' })
    })

    await step('see the costs and set a budget', async () => {
      await page.goto(`${url}/costs`)
      const total = (await page.getByTestId('month-total').innerText()).trim()
      check(/^\$\d+(\.\d+)? USD$/.test(total), `the month's total reads ${total}`)
      check(!/^\$0(\.0*)? USD$/.test(finalCost), `the job's final cost is ${finalCost} at 36.00 USD per GPU-hour`)
      check(total === finalCost, `the month's total ${total} is not the only job's final cost ${finalCost}`)
      await page.fill('#budget-monthly', '10.00')
      await page.getByRole('button', { name: 'Set budget' }).click()
      await page.getByTestId('budget-bar').waitFor()
      await screenshot(page, 'costs')
    })

    await step('see the lists', async () => {
      await page.goto(`${url}/datasets`)
      await page.getByRole('link', { name: 'e2e coach' }).waitFor()
      await screenshot(page, 'datasets')
      await page.goto(`${url}/jobs`)
      await page.locator(`a[href="${new URL(jobUrl).pathname}"]`).waitFor()
      await screenshot(page, 'jobs')
    })

    await step('upload a broken file with the file input and see its errors by line', async () => {
      await page.goto(`${url}/datasets/new`)
      await page.setInputFiles('input[type=file]', { name: 'broken.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(brokenDataset()) })
      await page.getByLabel('Name', { exact: true }).fill('e2e broken')
      await page.getByRole('button', { name: 'Upload and validate' }).click()
      const outcome = page.getByTestId('validation-outcome')
      await outcome.waitFor({ timeout: 60_000 })
      check((await outcome.innerText()).includes('cannot be trained on'), 'a file with errors is reported ready')
      for (const [code, line] of [['invalid_json', '5'], ['unknown_role', '8']]) {
        const row = page.locator('table.findings tr', { hasText: code }).first()
        check((await row.count()) === 1, `no ${code} finding in the report`)
        const cells = await row.locator('td').allInnerTexts()
        check(cells[0].trim().startsWith(line) && cells[1].trim() === 'error' && cells[4].trim().length > 1,
          `the ${code} finding reads ${JSON.stringify(cells)}, not line ${line}, an error, with a fix`)
      }
      await screenshot(page, 'dataset-errors')
    })

    await step('filter the datasets by status and search them', async () => {
      await page.goto(`${url}/datasets`)
      await page.getByRole('link', { name: 'e2e coach' }).waitFor()
      await page.getByLabel('Status').selectOption('error')
      await page.getByRole('link', { name: 'e2e coach' }).waitFor({ state: 'detached' })
      await page.getByRole('link', { name: 'e2e broken' }).waitFor()
      await page.getByLabel('Status').selectOption('')
      await page.getByLabel('Search by name').fill('coach')
      await page.getByRole('link', { name: 'e2e broken' }).waitFor({ state: 'detached' })
      await page.getByRole('link', { name: 'e2e coach' }).waitFor()
    })

    await step('start a long job and cancel it from its monitor', async () => {
      await page.goto(`${url}/jobs/new`)
      await settledEstimate(page)
      await page.fill('#hp-epochs', '50')
      await settledEstimate(page)
      await page.getByRole('button', { name: 'Start training' }).click()
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/)
      page.once('dialog', (dialog) => dialog.accept())
      await page.getByRole('button', { name: 'Cancel job' }).click()
      await page.locator('.status-line [data-status=cancelled]').waitFor({ timeout: 120_000 })
    })

    check(pageErrors.length === 0, `errors in the page: ${pageErrors.join('; ')}`)
    console.log(`e2e passed; screenshots in ${IMAGES}`)
  } catch (error) {
    if (server) console.error(`--- server output (last lines) ---\n${server.output().split('\n').slice(-40).join('\n')}`)
    if (pageErrors.length) console.error(`--- errors in the page ---\n${pageErrors.join('\n')}`)
    throw error
  } finally {
    await browser?.close().catch(() => undefined)
    await server?.stop()
    rmSync(temp, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`\ne2e FAILED: ${error instanceof Error ? error.message : error}`)
  process.exit(1)
})
