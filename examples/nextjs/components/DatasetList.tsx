'use client'
import Link from 'next/link'

import { withQuery } from '../lib/client/api'
import { formatBytes, formatCount, humanize } from '../lib/client/format'
import { useDebounced, useResource } from '../lib/client/hooks'
import { useFilters } from '../lib/client/query'
import type { DatasetPage } from '../lib/client/types'
import { ErrorNotice, Loading } from './Notice'
import { Pagination } from './Pagination'
import { StatusBadge } from './StatusBadge'
import { UtcTime } from './UtcTime'

const STATUSES = ['uploading', 'validating', 'ready', 'error'] as const
const PAGE_SIZE = 20

/** The datasets table with a status filter, a name search and pages; polls while any validates. */
export function DatasetList({ initial }: { initial: { status: string; search: string; page: string } }) {
  const [filters, setFilters] = useFilters(initial)
  const search = useDebounced(filters.search, 300)
  const path = withQuery('/api/datasets', { status: filters.status, search, page: filters.page || 1, limit: PAGE_SIZE })
  const { data, error } = useResource<DatasetPage>(path, {
    pollMs: 2000,
    keepPolling: (page) => page.datasets.some((dataset) => dataset.status === 'uploading' || dataset.status === 'validating'),
  })

  return (
    <section aria-labelledby="datasets-heading">
      <div className="toolbar" role="search">
        <label>
          Status
          <select value={filters.status} onChange={(event) => setFilters({ status: event.target.value, page: '' })}>
            <option value="">all</option>
            {STATUSES.map((status) => <option key={status} value={status}>{humanize(status)}</option>)}
          </select>
        </label>
        <label>
          Search by name
          <input type="search" value={filters.search} onChange={(event) => setFilters({ search: event.target.value, page: '' })} />
        </label>
      </div>
      <ErrorNotice error={error} />
      {!data && !error && <Loading what="datasets" />}
      {data && (
        <>
          <table className="table">
            <caption id="datasets-heading" className="visually-hidden">Datasets</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Format</th>
                <th scope="col" className="number">Training pairs</th>
                <th scope="col" className="number">Tokens</th>
                <th scope="col" className="number">Size</th>
                <th scope="col">Created (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {data.datasets.map((dataset) => (
                <tr key={dataset.id}>
                  <td><Link href={`/datasets/${dataset.id}`}>{dataset.name}</Link></td>
                  <td><StatusBadge status={dataset.status} /></td>
                  <td>{humanize(dataset.format)}</td>
                  <td className="number">{formatCount(dataset.totalTrainingPairs)}</td>
                  <td className="number">{formatCount(dataset.totalTokens)}</td>
                  <td className="number">{formatBytes(dataset.fileSize)}</td>
                  <td><UtcTime value={dataset.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.datasets.length === 0 && (
            <p className="muted">No datasets match. <Link href="/datasets/new">Upload one</Link>.</p>
          )}
          <Pagination paging={data} onPage={(page) => setFilters({ page: String(page) })} />
        </>
      )}
    </section>
  )
}
