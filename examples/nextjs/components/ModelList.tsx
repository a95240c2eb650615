'use client'
import Link from 'next/link'

import { withQuery } from '../lib/client/api'
import { formatBytes, formatFloat, formatMoney, humanize } from '../lib/client/format'
import { useResource } from '../lib/client/hooks'
import { useFilters } from '../lib/client/query'
import type { ModelPage } from '../lib/client/types'
import { ErrorNotice, Loading } from './Notice'
import { Pagination } from './Pagination'
import { StatusBadge } from './StatusBadge'
import { UtcTime } from './UtcTime'

const PAGE_SIZE = 20

/** The trained adapters, newest first, with pages. */
export function ModelList({ initial }: { initial: { status: string; page: string } }) {
  const [filters, setFilters] = useFilters(initial)
  const { data, error } = useResource<ModelPage>(withQuery('/api/models', { status: filters.status, page: filters.page || 1, limit: PAGE_SIZE }))
  return (
    <section>
      <div className="toolbar">
        <label>
          Status
          <select value={filters.status} onChange={(event) => setFilters({ status: event.target.value, page: '' })}>
            <option value="">all</option>
            <option value="stored">stored</option>
            <option value="archived">archived</option>
          </select>
        </label>
      </div>
      <ErrorNotice error={error} />
      {!data && !error && <Loading what="models" />}
      {data && (
        <>
          <table className="table">
            <caption className="visually-hidden">Trained adapters</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Base model</th>
                <th scope="col" className="number">Final loss</th>
                <th scope="col">Convergence</th>
                <th scope="col" className="number">Size</th>
                <th scope="col" className="number">Cost</th>
                <th scope="col">Created (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {data.models.map((model) => (
                <tr key={model.id}>
                  <td><Link href={`/models/${model.id}`}>{model.name}</Link></td>
                  <td><StatusBadge status={model.status} /></td>
                  <td>{model.baseModel}</td>
                  <td className="number">{formatFloat(model.qualityMetrics.finalTrainingLoss)}</td>
                  <td>{model.qualityMetrics.convergenceQuality ? humanize(model.qualityMetrics.convergenceQuality) : '—'}</td>
                  <td className="number">{formatBytes(model.files.reduce((sum, file) => sum + file.bytes, 0))}</td>
                  <td className="number">{formatMoney(model.trainingSummary.finalCost)}</td>
                  <td><UtcTime value={model.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.models.length === 0 && <p className="muted">No adapters yet: they appear here when a training job completes.</p>}
          <Pagination paging={data} onPage={(page) => setFilters({ page: String(page) })} />
        </>
      )}
    </section>
  )
}
