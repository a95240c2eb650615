'use client'
import Link from 'next/link'

import { formatCount, humanize } from '../lib/client/format'
import type { Resource } from '../lib/client/hooks'
import { useResource } from '../lib/client/hooks'
import type { DatasetDetail, DatasetStats } from '../lib/client/types'
import { ErrorNotice, Loading } from './Notice'
import { StatusBadge } from './StatusBadge'
import { ValidationReport } from './ValidationReport'

/** Whether a dataset's validation is still to come. */
function pending(detail: DatasetDetail): boolean {
  return detail.dataset.status === 'uploading' || detail.dataset.status === 'validating'
}

/** A dataset with its report, polled every second until its validation has finished. */
export function useDatasetDetail(id: string): Resource<DatasetDetail> {
  return useResource<DatasetDetail>(`/api/datasets/${encodeURIComponent(id)}`, { pollMs: 1000, keepPolling: pending })
}

/** A dataset's validation, loaded by itself: its status while it runs, then the report. */
export function DatasetValidation({ id }: { id: string }) {
  const { data, error } = useDatasetDetail(id)
  if (!data) return error ? <ErrorNotice error={error} /> : <Loading what="the dataset" />
  return <ValidationSection detail={data} error={error} />
}

/** A dataset's validation: its status while it runs, then the outcome and the report. */
export function ValidationSection({ detail, error }: { detail: DatasetDetail; error: string | undefined }) {
  const { dataset, report } = detail
  return (
    <section aria-labelledby="validation-heading" className="card">
      <h2 id="validation-heading">
        Validation <StatusBadge status={dataset.status} />
      </h2>
      <ErrorNotice error={error} />
      {pending(detail) ? (
        <p role="status" aria-live="polite" className="muted">Validating {dataset.fileName}… this page updates by itself.</p>
      ) : (
        <>
          <p role="status" aria-live="polite" data-testid="validation-outcome">
            {dataset.trainingReady
              ? <>Ready to train: {formatCount(dataset.totalTrainingPairs)} training pairs, {formatCount(dataset.totalTokens)} tokens, format {humanize(dataset.format)}. <Link href={`/jobs/new?dataset=${dataset.id}`}>Train on it</Link></>
              : <>This file cannot be trained on yet: fix the errors below and upload it again.</>}
          </p>
          <ValidationReport
            findings={report?.findings ?? dataset.validationErrors}
            stats={report?.stats ?? (dataset.statistics as DatasetStats | undefined)}
            counts={report?.counts}
          />
        </>
      )}
    </section>
  )
}
