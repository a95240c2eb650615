/** An error line announced to screen readers; nothing when there is no error. */
export function ErrorNotice({ error }: { error: string | undefined }) {
  return error ? <p role="alert" className="error">{error}</p> : null
}

/** "Loading…" for a resource not yet loaded. */
export function Loading({ what }: { what: string }) {
  return <p className="muted" role="status">Loading {what}…</p>
}
