'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { useEffect, useId, useRef, useState } from 'react'

import { useResource } from '../lib/client/hooks'
import type { NotificationPage } from '../lib/client/types'
import { NotificationItems } from './NotificationItems'

/** How often the unread count is refreshed, in milliseconds. */
const POLL_MS = 5000

/** The bell in the header: the unread count, and the latest notifications in a dropdown. */
export function NotificationBell() {
  const [open, setOpen] = useState(false)
  const pathname = usePathname()
  const panelId = useId()
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const latest = useResource<NotificationPage>('/api/notifications?limit=8', { pollMs: POLL_MS, keepPolling: () => true })
  const unread = latest.data?.unreadCount ?? 0

  // Close on navigation, on Escape and on a click elsewhere.
  useEffect(() => setOpen(false), [pathname])
  useEffect(() => {
    if (!open) return
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return
      setOpen(false)
      button.current?.focus()
    }
    const onClick = (event: MouseEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('keydown', onKey)
    document.addEventListener('mousedown', onClick)
    return () => {
      document.removeEventListener('keydown', onKey)
      document.removeEventListener('mousedown', onClick)
    }
  }, [open])

  return (
    <div className="bell" ref={root}>
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`Notifications, ${unread} unread`}
        onClick={() => {
          setOpen((value) => !value)
          latest.reload()
        }}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
          <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" fill="currentColor" />
        </svg>
        {unread > 0 && <span className="bell-count" data-testid="unread-count">{unread}</span>}
      </button>
      {open && (
        <div id={panelId} className="bell-panel" role="region" aria-label="Latest notifications">
          <NotificationItems page={latest.data} error={latest.error} onChange={latest.reload} compact />
          <p className="bell-footer"><Link href="/notifications">All notifications</Link></p>
        </div>
      )}
    </div>
  )
}
