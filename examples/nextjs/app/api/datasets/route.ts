// GET /api/datasets: the caller's datasets; POST /api/datasets: a dataset awaiting its file.
import { DATASET_FORMATS, DATASET_STATUSES } from '../../../lib/server/enums'
import { pageOf, pageRequest } from '../../../lib/server/paging'
import { ok } from '../../../lib/server/respond'
import { route } from '../../../lib/server/route'
import { choice, integerField, onlyFields, readBody, stringField } from '../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route(async ({ query, br }) => {
  const page = pageRequest(query)
  const status = choice(query.get('status'), 'status', DATASET_STATUSES)
  const search = query.get('search') || undefined
  const rows = await br.datasets.list({ status, search, limit: page.limit, offset: page.offset })
  return ok(pageOf('datasets', rows, page))
})

export const POST = route(async ({ request, br }) => {
  const body = await readBody(request)
  onlyFields(body, ['name', 'description', 'format', 'file_name', 'file_size'])
  const fileName = stringField(body, 'file_name', { required: true })
  const size = integerField(body, 'file_size', { min: 1, required: true })
  const created = await br.datasets.createUpload({
    name: stringField(body, 'name') ?? fileName,
    description: stringField(body, 'description', { nullable: true }),
    format: choice(body.format, 'format', DATASET_FORMATS) ?? 'chat',
    fileName,
    size,
  })
  const { id } = created.dataset
  const uploadUrl = created.uploadUrl ?? `/api/datasets/${id}/upload`
  return ok({ dataset: created.dataset, uploadUrl, uploadMethod: 'PUT', storagePath: created.storagePath }, 201)
})
