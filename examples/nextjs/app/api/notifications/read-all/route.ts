// POST /api/notifications/read-all: marks every notification of the caller read.
import { ok } from '../../../../lib/server/respond'
import { route } from '../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const POST = route(async ({ br }) => ok({ marked: await br.notifications.markAllRead() }))
