import type { Paging } from '../lib/client/types'

/** Previous / next page buttons with "page N of M" between them. */
export function Pagination({ paging, onPage }: { paging: Paging; onPage: (page: number) => void }) {
  if (paging.totalPages <= 1) return null
  return (
    <nav className="pagination" aria-label="Pages">
      <button type="button" onClick={() => onPage(paging.page - 1)} disabled={paging.page <= 1}>Previous</button>
      <span aria-live="polite">Page {paging.page} of {paging.totalPages} ({paging.total} in all)</span>
      <button type="button" onClick={() => onPage(paging.page + 1)} disabled={paging.page >= paging.totalPages}>Next</button>
    </nav>
  )
}
