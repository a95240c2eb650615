'use client'
import Link from 'next/link'
import { useState } from 'react'
import type { DragEvent, FormEvent } from 'react'

import { errorText, isAbort } from '../lib/client/api'
import { formatBytes } from '../lib/client/format'
import type { DatasetFormat } from '../lib/client/types'
import type { UploadProgress } from '../lib/client/upload'
import { uploadDataset } from '../lib/client/upload'
import { DatasetValidation } from './DatasetValidation'

/** The file types the validator reads. */
const ACCEPT = '.jsonl,.json,.gz,.csv,.tsv,.parquet'

/** The formats a dataset file may have. */
const FORMATS: Array<{ value: DatasetFormat; label: string }> = [
  { value: 'chat', label: 'Chat JSONL (messages)' },
  { value: 'brightrun_lora_v4', label: 'BrightRun LoRA v4 (JSONL or JSON document)' },
  { value: 'brightrun_lora_v3', label: 'BrightRun LoRA v3 (JSONL turns)' },
  { value: 'prompt_completion', label: 'Prompt / completion JSONL' },
  { value: 'alpaca', label: 'Alpaca JSONL (instruction, input, output)' },
  { value: 'sharegpt', label: 'ShareGPT / Vicuna JSONL (conversations)' },
  { value: 'text', label: 'Plain text JSONL (text, continued pretraining)' },
  { value: 'gemini', label: 'Gemini JSONL (contents, as Vertex AI tunes Gemini)' },
]

/** What the progress bar says in each phase. */
const PHASE_TEXT: Record<UploadProgress['phase'], string> = {
  creating: 'Creating the dataset…',
  uploading: 'Uploading…',
  confirming: 'Upload done; queueing validation…',
}

/**
 * Drag-and-drop (or pick) a dataset file, name it, upload it with a progress bar, then follow
 * its validation to the report.
 */
export function DatasetUpload() {
  const [file, setFile] = useState<File>()
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [format, setFormat] = useState<DatasetFormat>('chat')
  const [dragging, setDragging] = useState(false)
  const [progress, setProgress] = useState<UploadProgress>()
  const [error, setError] = useState<string>()
  const [datasetId, setDatasetId] = useState<string>()
  const busy = progress !== undefined && datasetId === undefined && error === undefined

  const choose = (chosen: File | undefined) => {
    if (!chosen) return
    setFile(chosen)
    setError(undefined)
    if (!name) setName(chosen.name.replace(/\.(jsonl|json)(\.gz)?$/i, ''))
  }
  const onDrop = (event: DragEvent<HTMLLabelElement>) => {
    event.preventDefault()
    setDragging(false)
    choose(event.dataTransfer.files[0])
  }
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (!file) {
      setError('Choose a file first.')
      return
    }
    setError(undefined)
    uploadDataset(file, { name: name.trim() || file.name, description: description.trim(), format }, setProgress)
      .then((dataset) => setDatasetId(dataset.id))
      .catch((caught: unknown) => {
        if (!isAbort(caught)) setError(errorText(caught))
      })
  }

  if (datasetId) {
    return (
      <>
        <p className="ok" role="status">Uploaded {formatBytes(file?.size ?? 0)}. <Link href={`/datasets/${datasetId}`}>Open the dataset</Link> or <button type="button" className="link-button" onClick={() => { setFile(undefined); setName(''); setDescription(''); setProgress(undefined); setDatasetId(undefined) }}>upload another</button>.</p>
        <DatasetValidation id={datasetId} />
      </>
    )
  }

  return (
    <form className="card form" onSubmit={onSubmit} aria-describedby="upload-help">
      <label
        className={dragging ? 'dropzone dragging' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <input type="file" name="file" accept={ACCEPT} className="visually-hidden" onChange={(event) => choose(event.target.files?.[0])} disabled={busy} />
        <strong>{file ? `${file.name} (${formatBytes(file.size)})` : 'Drop a dataset file here'}</strong>
        <span id="upload-help" className="muted">or press to choose one: JSON Lines (chat, BrightRun v3/v4) or a v4 JSON document, optionally gzipped</span>
      </label>
      <label>
        Name
        <input name="name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} disabled={busy} />
      </label>
      <label>
        Format
        <select name="format" value={format} onChange={(event) => setFormat(event.target.value as DatasetFormat)} disabled={busy}>
          {FORMATS.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      </label>
      <label>
        Description <span className="muted">(optional)</span>
        <textarea name="description" value={description} onChange={(event) => setDescription(event.target.value)} rows={2} disabled={busy} />
      </label>
      {progress && (
        <div className="progress-block">
          <label htmlFor="upload-progress">{PHASE_TEXT[progress.phase]} {formatBytes(progress.sent)} of {formatBytes(progress.total)}</label>
          <progress id="upload-progress" data-testid="upload-progress" max={Math.max(progress.total, 1)} value={progress.sent} />
        </div>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !file}>Upload and validate</button>
      </div>
    </form>
  )
}
