'use client'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useState } from 'react'
import type { FormEvent } from 'react'

import { apiSend, errorText } from '../lib/client/api'
import { formatBytes, humanize } from '../lib/client/format'
import type { Dataset } from '../lib/client/types'
import { ValidationSection, useDatasetDetail } from './DatasetValidation'
import { ErrorNotice, Loading } from './Notice'
import { UtcTime } from './UtcTime'

/** One dataset: its file, a rename / describe form, delete, and its validation report. */
export function DatasetDetailView({ id }: { id: string }) {
  const path = `/api/datasets/${encodeURIComponent(id)}`
  const { data, error, reload } = useDatasetDetail(id)
  if (!data) return error ? <><h1>Dataset</h1><ErrorNotice error={error} /></> : <Loading what="the dataset" />
  const { dataset } = data
  return (
    <>
      <div className="page-head">
        <h1>{dataset.name}</h1>
        {dataset.trainingReady && <Link className="button primary" href={`/jobs/new?dataset=${dataset.id}`}>Train on it</Link>}
      </div>
      {dataset.description && <p>{dataset.description}</p>}
      <dl className="figures">
        <div><dt>File</dt><dd>{dataset.fileName}</dd></div>
        <div><dt>Size</dt><dd>{formatBytes(dataset.fileSize)}</dd></div>
        <div><dt>Format</dt><dd>{humanize(dataset.format)}</dd></div>
        <div><dt>Uploaded</dt><dd><UtcTime value={dataset.createdAt} /></dd></div>
        <div><dt>Validated</dt><dd><UtcTime value={dataset.validatedAt} /></dd></div>
        <div><dt>Id</dt><dd><code>{dataset.id}</code></dd></div>
      </dl>
      <EditDataset dataset={dataset} path={path} onSaved={reload} />
      <ValidationSection detail={data} error={error} />
    </>
  )
}

/** Rename, describe or delete a dataset. */
function EditDataset({ dataset, path, onSaved }: { dataset: Dataset; path: string; onSaved: () => void }) {
  const router = useRouter()
  const [name, setName] = useState(dataset.name)
  const [description, setDescription] = useState(dataset.description ?? '')
  const [message, setMessage] = useState<string>()
  const [error, setError] = useState<string>()

  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    apiSend('PATCH', path, { name: name.trim(), description: description.trim() || null })
      .then(() => {
        setError(undefined)
        setMessage('Saved.')
        onSaved()
      })
      .catch((caught: unknown) => setError(errorText(caught)))
  }
  const remove = () => {
    if (!window.confirm(`Delete the dataset “${dataset.name}”? Jobs trained on it keep their adapters.`)) return
    apiSend('DELETE', path)
      .then(() => router.push('/datasets'))
      .catch((caught: unknown) => setError(errorText(caught)))
  }

  return (
    <details className="card">
      <summary>Rename, describe or delete</summary>
      <form className="form" onSubmit={save}>
        <label>Name <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} /></label>
        <label>Description <textarea value={description} onChange={(event) => setDescription(event.target.value)} rows={2} /></label>
        <ErrorNotice error={error} />
        {message && !error && <p role="status" className="ok">{message}</p>}
        <div className="actions">
          <button type="submit" className="primary">Save</button>
          <button type="button" className="danger" onClick={remove}>Delete dataset</button>
        </div>
      </form>
    </details>
  )
}
