// How numbers, times and money are shown. Money stays the exact decimal text the API sends.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** `1536` -> `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`
}

/** An amount of USD as the API gives it (an exact decimal string), never through a float. */
export function formatMoney(amount: string | undefined | null, currency = 'USD'): string {
  if (amount === undefined || amount === null || amount === '') return '—'
  return amount.startsWith('-') ? `-$${amount.slice(1)} ${currency}` : `$${amount} ${currency}`
}

/** An ISO UTC time as `2026-12-06 09:46:35 UTC` (the label says which zone). */
export function formatUtc(iso: string | undefined | null): string {
  if (!iso) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** Seconds as `1 h 05 min`, `3 min 20 s` or `42 s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—'
  const total = Math.max(0, Math.round(seconds))
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const rest = total % 60
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`
  if (minutes > 0) return `${minutes} min ${String(rest).padStart(2, '0')} s`
  return `${rest} s`
}

/** A whole number with thousands separators. */
export function formatCount(value: number | undefined | null): string {
  return value === undefined || value === null ? '—' : value.toLocaleString('en-US')
}

/** A float with `digits` significant digits (losses, rates). */
export function formatFloat(value: number | undefined | null, digits = 4): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '—' : Number(value.toPrecision(digits)).toString()
}

/** `snake_case` -> `snake case`, for codes shown as labels. */
export function humanize(code: string): string {
  return code.replace(/_/g, ' ')
}
