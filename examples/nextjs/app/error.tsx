'use client'

/** Shown when a page fails to render: the message and a way to try again. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section role="alert">
      <h1>Something went wrong</h1>
      <p className="error">{error.message}</p>
      <button type="button" onClick={reset}>Try again</button>
    </section>
  )
}
