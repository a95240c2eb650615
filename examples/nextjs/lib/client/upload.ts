// The dataset upload: create the dataset, PUT the file to its upload URL with progress
// (XMLHttpRequest: fetch reports no upload progress), then confirm it.
import { ApiError, apiSend } from './api'
import type { CreatedDataset, Dataset, DatasetFormat } from './types'

/** What the upload form sends besides the file. */
export interface UploadFields {
  name: string
  description?: string
  /** The file's format (the API takes `chat` when none is given). */
  format?: DatasetFormat
}

/** Where an upload is: the phase, and the bytes sent so far out of the file's size. */
export interface UploadProgress {
  phase: 'creating' | 'uploading' | 'confirming'
  sent: number
  total: number
}

/**
 * Uploads `file` as a new dataset: POST /api/datasets, PUT the bytes to `uploadUrl`
 * (reporting progress through `onProgress`), POST /api/datasets/[id]/confirm. Resolves to the
 * confirmed dataset (status `validating`); rejects with an ApiError naming the step that failed.
 */
export async function uploadDataset(file: File, fields: UploadFields, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<Dataset> {
  onProgress({ phase: 'creating', sent: 0, total: file.size })
  const created = await apiSend<CreatedDataset>('POST', '/api/datasets', {
    name: fields.name,
    description: fields.description || undefined,
    format: fields.format,
    file_name: file.name,
    file_size: file.size,
  }, signal)
  await putWithProgress(created.uploadUrl, file, (sent) => onProgress({ phase: 'uploading', sent, total: file.size }), signal)
  onProgress({ phase: 'confirming', sent: file.size, total: file.size })
  const confirmed = await apiSend<{ dataset: Dataset }>('POST', `/api/datasets/${encodeURIComponent(created.dataset.id)}/confirm`, {}, signal)
  return confirmed.dataset
}

/**
 * PUTs `file` to `url` (same-origin, or a signed storage URL: sent without credentials, and
 * without a content type the signature might not cover), calling `onSent` with the bytes sent as the browser reports them. */
function putWithProgress(url: string, file: File, onSent: (sent: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('PUT', url)
    request.upload.onprogress = (event) => onSent(event.loaded)
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onSent(file.size)
        resolve()
        return
      }
      reject(new ApiError(`the upload was refused: ${uploadError(request)}`, request.status))
    }
    request.onerror = () => reject(new ApiError('the upload failed: the connection was lost', 0))
    request.onabort = () => reject(new DOMException('the upload was cancelled', 'AbortError'))
    signal?.addEventListener('abort', () => request.abort(), { once: true })
    request.send(file)
  })
}

/** The error of a refused PUT: the API's `error` text, or the status line (a storage service's XML). */
function uploadError(request: XMLHttpRequest): string {
  try {
    const body = JSON.parse(request.responseText) as { error?: unknown }
    if (typeof body.error === 'string') return body.error
  } catch {
    // Not JSON: an object store's answer.
  }
  return `${request.status} ${request.statusText}`
}
