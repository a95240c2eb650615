// List filters kept in the page's address, so a filtered list can be linked and reloaded.
import { useCallback, useState } from 'react'

/** Filters of a list page: text values by name (empty = unset). */
export type Filters = Record<string, string>

/**
 * The filters of a list, starting from `initial` (the page's search parameters), each change
 * written to the address bar without a navigation.
 */
export function useFilters<F extends Filters>(initial: F): [F, (changes: Partial<F>) => void] {
  const [filters, setFilters] = useState(initial)
  const update = useCallback((changes: Partial<F>) => {
    setFilters((previous) => {
      const next = { ...previous, ...changes } as F
      const params = new URLSearchParams()
      for (const [name, value] of Object.entries(next)) if (value) params.set(name, value)
      const text = params.toString()
      window.history.replaceState(null, '', text ? `?${text}` : window.location.pathname)
      return next
    })
  }, [])
  return [filters, update]
}
