// GET /api/notifications: the caller's notifications (`unread=true`: only unread ones) and the unread count.
import { badField } from '../../../lib/server/errors'
import { pageOf, pageRequest } from '../../../lib/server/paging'
import { ok } from '../../../lib/server/respond'
import { route } from '../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route(async ({ query, br }) => {
  const page = pageRequest(query)
  const unreadText = query.get('unread')
  if (unreadText !== null && unreadText !== 'true' && unreadText !== 'false') throw badField('unread', 'unread must be true or false', 'true, false')
  const [rows, unreadCount] = await Promise.all([
    br.notifications.list({ unread: unreadText === 'true', limit: page.limit, offset: page.offset }),
    br.notifications.unreadCount(),
  ])
  return ok({ ...pageOf('notifications', rows, page), unreadCount })
})
