'use client'
import Link from 'next/link'
import { useState } from 'react'

import { apiSend, errorText } from '../lib/client/api'
import { formatUtc } from '../lib/client/format'
import type { NotificationPage } from '../lib/client/types'

/** Props of NotificationItems. */
export interface NotificationItemsProps {
  page: NotificationPage | undefined
  error: string | undefined
  /** Called after a notification was marked read, to load the list again. */
  onChange: () => void
  /** The dropdown's short form: the message small and muted under the title. */
  compact?: boolean
}

/** A list of notifications with "mark read" on each unread one and "mark all read". */
export function NotificationItems({ page, error, onChange, compact = false }: NotificationItemsProps) {
  const [actionError, setActionError] = useState<string>()
  const act = (path: string) => {
    apiSend('POST', path)
      .then(() => {
        setActionError(undefined)
        onChange()
      })
      .catch((caught: unknown) => setActionError(errorText(caught)))
  }
  if (error) return <p role="alert" className="error">{error}</p>
  if (!page) return <p className="muted">Loading…</p>
  return (
    <div className="notifications">
      <div className="notifications-head">
        <span>{page.unreadCount} unread</span>
        {page.unreadCount > 0 && (
          <button type="button" className="link-button" onClick={() => act('/api/notifications/read-all')}>Mark all read</button>
        )}
      </div>
      {actionError && <p role="alert" className="error">{actionError}</p>}
      {page.notifications.length === 0 ? (
        <p className="muted">No notifications yet.</p>
      ) : (
        <ul className="notification-list">
          {page.notifications.map((item) => (
            <li key={item.id} className={item.read ? 'notification' : 'notification unread'} data-type={item.notificationType}>
              <div className="notification-title">
                {!item.read && <span className="dot" aria-label="unread" />}
                {item.actionUrl ? <Link href={item.actionUrl}>{item.title}</Link> : <strong>{item.title}</strong>}
              </div>
              <p className={compact ? 'notification-message' : undefined}>{item.message}</p>
              <div className="notification-meta">
                <time dateTime={item.createdAt}>{formatUtc(item.createdAt)}</time>
                {!item.read && (
                  <button type="button" className="link-button" onClick={() => act(`/api/notifications/${encodeURIComponent(item.id)}/read`)}>
                    Mark read<span className="visually-hidden">: {item.title}</span>
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
