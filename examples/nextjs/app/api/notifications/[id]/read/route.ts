// POST /api/notifications/[id]/read: marks one notification read.
import { ok } from '../../../../../lib/server/respond'
import { route } from '../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const POST = route<{ id: string }>(async ({ params, br }) => ok({ notification: await br.notifications.markRead(params.id) }))
