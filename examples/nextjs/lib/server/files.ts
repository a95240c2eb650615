/**
 * A model's file by name, for the same-origin download on local storage. The name only
 * selects among the files the core lists for the caller's model: no path from a request
 * ever reaches the disk.
 */

import { stat } from 'node:fs/promises'

import type { BrightRun } from 'brightrun'

import { ApiError } from './errors'

/** Where a file is: on this machine (`path`, `size`), or behind a signed URL. */
export type ModelFile = { name: string; sha256: string } & ({ path: string; size: number } | { url: string })

/** The file `name` of the caller's model `modelId`; 404 when the model or the file is not theirs. */
export async function modelFile(br: BrightRun, modelId: string, name: string): Promise<ModelFile> {
  const file = (await br.models.downloadUrls(modelId)).find((f) => f.name === name)
  if (!file) throw new ApiError(404, `model ${modelId} has no file ${JSON.stringify(name)}`, { code: 'not_found' })
  if (file.location.kind === 'signed_url') return { name, sha256: file.sha256, url: file.location.url }
  const { size } = await stat(file.location.path)
  return { name, sha256: file.sha256, path: file.location.path, size }
}

/** The headers of a file download. */
export function downloadHeaders(file: { name: string; sha256: string; size: number }): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'content-length': String(file.size),
    'content-disposition': `attachment; filename="${file.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'x-checksum-sha256': file.sha256,
    'cache-control': 'private, no-store',
  }
}
