'use client'
import { withQuery } from '../lib/client/api'
import { useResource } from '../lib/client/hooks'
import { useFilters } from '../lib/client/query'
import type { NotificationPage } from '../lib/client/types'
import { NotificationItems } from './NotificationItems'
import { Pagination } from './Pagination'

/** Every notification, or only the unread ones, with pages. */
export function NotificationsView({ initial }: { initial: { unread: string; page: string } }) {
  const [filters, setFilters] = useFilters(initial)
  const { data, error, reload } = useResource<NotificationPage>(withQuery('/api/notifications', { unread: filters.unread === 'true' ? 'true' : undefined, page: filters.page || 1, limit: 20 }))
  return (
    <section className="card">
      <div className="toolbar">
        <label className="checkbox">
          <input type="checkbox" checked={filters.unread === 'true'} onChange={(event) => setFilters({ unread: event.target.checked ? 'true' : '', page: '' })} />
          Unread only
        </label>
      </div>
      <NotificationItems page={data} error={error} onChange={reload} />
      {data && <Pagination paging={data} onPage={(page) => setFilters({ page: String(page) })} />}
    </section>
  )
}
