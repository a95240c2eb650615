// GET /api/models/[id]/files/[name]: one file of a model on local storage, streamed with its
// Content-Length (on S3 storage: a redirect to its signed URL).
//
// The one Pages Router route of the API: an App Router route handler cannot send a
// Content-Length (Next.js 15.5 drops it from their responses), a Pages API route writes the
// Node response itself.
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'

import type { NextApiRequest, NextApiResponse } from 'next'

import { authenticate } from '../../../../../lib/server/auth'
import { clientFor } from '../../../../../lib/server/client'
import { errorResponse } from '../../../../../lib/server/errors'
import { downloadHeaders, modelFile } from '../../../../../lib/server/files'

// Nothing to parse; a model file is larger than the default 4 MB response limit.
export const config = { api: { bodyParser: false, responseLimit: false } }

/** A Node request's headers as authentication reads them. */
function credentials(req: NextApiRequest) {
  return { headers: { get: (name: string) => [req.headers[name.toLowerCase()] ?? []].flat().join(', ') || null } }
}

/** Streams the file, or answers the failure as the App Router routes do. */
export default async function handler(req: NextApiRequest, res: NextApiResponse): Promise<void> {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      res.status(405).json({ error: `${req.method} is not allowed: GET the file`, details: { code: 'method_not_allowed' } })
      return
    }
    const br = await clientFor(authenticate(credentials(req)))
    const file = await modelFile(br, String(req.query.id), String(req.query.name))
    if ('url' in file) {
      res.redirect(307, file.url)
      return
    }
    res.writeHead(200, downloadHeaders(file))
    if (req.method === 'HEAD') res.end()
    else await pipeline(createReadStream(file.path), res)
  } catch (error) {
    if (res.headersSent) {
      res.destroy(error instanceof Error ? error : undefined)
      return
    }
    const answer = errorResponse(error)
    res.status(answer.status).json(await answer.json())
  }
}
