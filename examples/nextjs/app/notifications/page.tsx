import { NotificationsView } from '../../components/NotificationsView'
import { firstParam } from '../../lib/client/params'

export const metadata = { title: 'Notifications' }

/** The user's notifications. */
export default async function NotificationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams
  return (
    <>
      <h1>Notifications</h1>
      <NotificationsView initial={{ unread: firstParam(params.unread), page: firstParam(params.page) }} />
    </>
  )
}
