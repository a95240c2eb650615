'use client'
import Link from 'next/link'

import { withQuery } from '../lib/client/api'
import { formatMoney, humanize } from '../lib/client/format'
import { useResource } from '../lib/client/hooks'
import { FINAL_STATUSES } from '../lib/client/jobStream'
import { useFilters } from '../lib/client/query'
import type { JobPage } from '../lib/client/types'
import { ErrorNotice, Loading } from './Notice'
import { Pagination } from './Pagination'
import { StatusBadge } from './StatusBadge'
import { UtcTime } from './UtcTime'

const STATUSES = ['queued', 'initializing', 'running', 'completed', 'failed', 'cancelled'] as const
const PAGE_SIZE = 20

/** The jobs table with a status filter and pages; polls while any job runs. */
export function JobList({ initial }: { initial: { status: string; page: string } }) {
  const [filters, setFilters] = useFilters(initial)
  const path = withQuery('/api/jobs', { status: filters.status, page: filters.page || 1, limit: PAGE_SIZE })
  const { data, error } = useResource<JobPage>(path, {
    pollMs: 3000,
    keepPolling: (page) => page.jobs.some((job) => !FINAL_STATUSES.includes(job.status)),
  })
  return (
    <section>
      <div className="toolbar">
        <label>
          Status
          <select value={filters.status} onChange={(event) => setFilters({ status: event.target.value, page: '' })}>
            <option value="">all</option>
            {STATUSES.map((status) => <option key={status} value={status}>{status}</option>)}
          </select>
        </label>
      </div>
      <ErrorNotice error={error} />
      {!data && !error && <Loading what="jobs" />}
      {data && (
        <>
          <table className="table">
            <caption className="visually-hidden">Training jobs</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Model</th>
                <th scope="col">GPU</th>
                <th scope="col" className="number">Progress</th>
                <th scope="col" className="number">Cost</th>
                <th scope="col">Queued (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {data.jobs.map((job) => (
                <tr key={job.id}>
                  <td><Link href={`/jobs/${job.id}`}><code>{job.id.slice(0, 8)}</code></Link> <span className="muted small">{humanize(job.preset)}</span></td>
                  <td><StatusBadge status={job.status} />{job.stage && <span className="muted small"> {humanize(job.stage)}</span>}</td>
                  <td>{job.hyperparameters.baseModel}</td>
                  <td>{job.gpu.gpuCount} × {job.gpu.gpuType}</td>
                  <td className="number">{job.progressPercent.toFixed(0)}%</td>
                  <td className="number">{formatMoney(job.finalCost ?? job.currentCost)}</td>
                  <td><UtcTime value={job.queuedAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.jobs.length === 0 && <p className="muted">No jobs yet. <Link href="/jobs/new">Configure one</Link>.</p>}
          <Pagination paging={data} onPage={(page) => setFilters({ page: String(page) })} />
        </>
      )}
    </section>
  )
}
