// The logic of the `/api/validate` route, as a plain function of a web `Request`: Next.js
// calls it from app/api/validate/route.ts, and bindings-node/test calls it directly (Node
// has Request, FormData and Blob built in), so it is tested without Next itself.
//
// `validate` is passed in rather than imported, so the test can hand it the package it
// just built; the route passes the `brightrun` package's.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** Form fields passed on to `validate` as numbers. */
const NUMBER_FIELDS = ['maxSeqLen', 'minExamples']

/** Codes of errors that are the upload's fault (answered 422), not the server's. */
const CLIENT_CODES = new Set(['invalid_gzip', 'invalid_option', 'unknown_value'])

/**
 * A route handler that validates the file uploaded as the form field `file` and answers
 * the validation report as JSON (`brightrun validate --json`, camelCased). Optional form
 * fields: `format`, `maxSeqLen`, `minExamples`.
 *
 * Answers 200 with the report (valid or not: see `report.valid`; a file that is not UTF-8 or
 * of no known format is a report too), 400 without a file, 422 `{ error, code }` for an
 * upload that cannot be read (a corrupt gzip file) or a bad option, 500 for anything else.
 *
 * @param {typeof import('brightrun').validate} validate the package's `validate`
 * @returns {(request: Request) => Promise<Response>}
 */
export function createValidateHandler(validate) {
  return async function handle(request) {
    let form
    try {
      form = await request.formData()
    } catch {
      return Response.json({ error: 'expected a multipart/form-data body' }, { status: 400 })
    }
    const file = form.get('file')
    if (!(file instanceof Blob)) {
      return Response.json({ error: 'expected the dataset as the form field `file`' }, { status: 400 })
    }
    const options = {}
    if (typeof form.get('format') === 'string') options.format = form.get('format')
    for (const name of NUMBER_FIELDS) {
      const value = form.get(name)
      if (typeof value === 'string' && value !== '') options[name] = Number(value)
    }
    const dir = await mkdtemp(join(tmpdir(), 'brightrun-upload-'))
    try {
      // The core reads a path; stream the upload there rather than holding a second copy.
      const path = join(dir, 'dataset.jsonl')
      await pipeline(Readable.fromWeb(file.stream()), createWriteStream(path))
      return Response.json(await validate(path, options))
    } catch (error) {
      const code = error?.name === 'BrightRunError' ? error.code : undefined
      const status = CLIENT_CODES.has(code) ? 422 : 500
      return Response.json({ error: error instanceof Error ? error.message : String(error), code }, { status })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}
