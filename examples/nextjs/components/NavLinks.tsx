'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'

/** The sections of the app, in the order of the work: data, training, results, money. */
const SECTIONS = [
  { href: '/datasets', label: 'Datasets' },
  { href: '/jobs/new', label: 'Train' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/models', label: 'Models' },
  { href: '/costs', label: 'Costs' },
]

/** The section links, the current one marked for the eye and for screen readers. */
export function NavLinks() {
  const pathname = usePathname() ?? ''
  // The longest matching prefix is current, so /jobs/new marks Train and not Jobs.
  const current = SECTIONS.filter((section) => pathname === section.href || pathname.startsWith(`${section.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]?.href
  return (
    <nav aria-label="Main" className="nav">
      <ul>
        {SECTIONS.map((section) => (
          <li key={section.href}>
            <Link href={section.href} aria-current={section.href === current ? 'page' : undefined}>
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  )
}
