import Link from 'next/link'

import { NavLinks } from './NavLinks'
import { NotificationBell } from './NotificationBell'

/** The top bar: the product's name, the sections and the notifications bell. */
export function Header() {
  return (
    <header className="header">
      <Link href="/" className="brand">BrightRun</Link>
      <NavLinks />
      <NotificationBell />
    </header>
  )
}
