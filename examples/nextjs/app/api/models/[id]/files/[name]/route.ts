// GET /api/models/[id]/files/[name]: one file of a model on local storage, streamed (on S3
// storage: a redirect to its signed URL). The name only selects among the model's files.
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'

import { downloadHeaders, modelFile } from '../../../../../../lib/server/files'
import { route } from '../../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route<{ id: string; name: string }>(async ({ params, br }) => {
  const file = await modelFile(br, params.id, params.name)
  if ('url' in file) return Response.redirect(file.url, 307)
  const body = Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>
  return new Response(body, { headers: downloadHeaders(file) })
})
