// POST /api/datasets/[id]/confirm: after the upload, queues the dataset for validation.
import { ok } from '../../../../../lib/server/respond'
import { route } from '../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const POST = route<{ id: string }>(async ({ params, br }) => ok({ dataset: await br.datasets.confirm(params.id) }))
