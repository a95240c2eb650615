// PUT /api/datasets/[id]/upload: the dataset's file as the request body, streamed into
// storage (never held whole in memory) up to its declared size; the dataset stays
// `uploading` until POST /api/datasets/[id]/confirm.
import { ApiError, badField } from '../../../../../lib/server/errors'
import { ok } from '../../../../../lib/server/respond'
import { route } from '../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const PUT = route<{ id: string }>(async ({ request, params, br }) => {
  const declared = await br.datasets.retrieve(params.id)
  const length = request.headers.get('content-length')
  if (length !== null && Number(length) > declared.fileSize) {
    throw new ApiError(413, `the file has ${length} bytes, more than the ${declared.fileSize} declared when the dataset was created`, { code: 'too_large', field: 'body', allowed: `at most ${declared.fileSize} bytes` })
  }
  if (!request.body) throw badField('body', "the body must be the dataset file's bytes", `1 to ${declared.fileSize} bytes`)
  const dataset = await br.datasets.upload(params.id, { data: request.body, signal: request.signal })
  return ok({ dataset })
})
