import type { validate } from 'brightrun'

/** A route handler that validates the uploaded form field `file`; see validate-upload.mjs. */
export declare function createValidateHandler(validateFn: typeof validate): (request: Request) => Promise<Response>
