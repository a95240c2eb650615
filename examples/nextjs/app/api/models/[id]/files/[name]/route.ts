// GET /api/models/[id]/files/[name]: one file of a model on local storage, streamed. The
// name only selects among the model's own files: no path from the request reaches the disk.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'

import { ApiError } from '../../../../../../lib/server/errors'
import { route } from '../../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route<{ id: string; name: string }>(async ({ params, br }) => {
  const file = (await br.models.downloadUrls(params.id)).find((f) => f.name === params.name)
  if (!file) throw new ApiError(404, `model ${params.id} has no file ${JSON.stringify(params.name)}`, { code: 'not_found' })
  if (file.location.kind === 'signed_url') return Response.redirect(file.location.url, 307)
  const { size } = await stat(file.location.path)
  const body = Readable.toWeb(createReadStream(file.location.path)) as ReadableStream<Uint8Array>
  return new Response(body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${file.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'x-checksum-sha256': file.sha256,
      'cache-control': 'private, no-store',
    },
  })
})
