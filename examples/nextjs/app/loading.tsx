/** Shown while a page's server part loads. */
export default function LoadingPage() {
  return <p className="muted" role="status">Loading…</p>
}
