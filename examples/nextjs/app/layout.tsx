import type { Metadata } from 'next'
import type { ReactNode } from 'react'

import { Header } from '../components/Header'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'BrightRun', template: '%s · BrightRun' },
  description: 'LoRA fine-tuning from upload to trained adapter: datasets, training, models, costs.',
}

/** The frame of every page: the header with navigation and notifications, then the page. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">Skip to content</a>
        <Header />
        <main id="main" className="page">
          {children}
        </main>
      </body>
    </html>
  )
}
