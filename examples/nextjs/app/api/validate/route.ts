// POST /api/validate: multipart form with the dataset as `file` (and optionally `format`,
// `maxSeqLen`, `minExamples`); answers the validation report as JSON.
import { validate } from 'brightrun'

import { createValidateHandler } from '../../../lib/validate-upload.mjs'

// The native addon needs Node, not the Edge runtime.
export const runtime = 'nodejs'

export const POST: (request: Request) => Promise<Response> = createValidateHandler(validate)
