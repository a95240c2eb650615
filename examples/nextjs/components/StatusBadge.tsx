import { humanize } from '../lib/client/format'

/** A status as a coloured label (`ready`, `running`, `failed`, ...). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`} data-status={status}>{humanize(status)}</span>
}
