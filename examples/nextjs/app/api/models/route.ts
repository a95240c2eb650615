// GET /api/models: the caller's trained adapters.
import { MODEL_STATUSES } from '../../../lib/server/enums'
import { pageOf, pageRequest } from '../../../lib/server/paging'
import { ok } from '../../../lib/server/respond'
import { route } from '../../../lib/server/route'
import { choice } from '../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route(async ({ query, br }) => {
  const page = pageRequest(query)
  const status = choice(query.get('status'), 'status', MODEL_STATUSES)
  const rows = await br.models.list({ status, limit: page.limit, offset: page.offset })
  return ok(pageOf('models', rows, page))
})
