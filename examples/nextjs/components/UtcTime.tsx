import { formatUtc } from '../lib/client/format'

/** An ISO UTC time, shown in UTC and labelled so. */
export function UtcTime({ value }: { value: string | undefined | null }) {
  return value ? <time dateTime={value}>{formatUtc(value)}</time> : <span>—</span>
}
