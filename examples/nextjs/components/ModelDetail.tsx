'use client'
import Link from 'next/link'

import { formatBytes, formatCount, formatFloat, formatMoney, formatSeconds, humanize } from '../lib/client/format'
import { useResource } from '../lib/client/hooks'
import type { DownloadAnswer, ModelArtifact } from '../lib/client/types'
import { ErrorNotice, Loading } from './Notice'
import { StatusBadge } from './StatusBadge'
import { UtcTime } from './UtcTime'

/** One trained adapter: its files with sizes, sha256 and download links, quality and provenance. */
export function ModelDetail({ id }: { id: string }) {
  const base = `/api/models/${encodeURIComponent(id)}`
  const model = useResource<{ model: ModelArtifact }>(base)
  const downloads = useResource<DownloadAnswer>(`${base}/download`)
  if (!model.data) return model.error ? <><h1>Model</h1><ErrorNotice error={model.error} /></> : <Loading what="the model" />
  const artifact = model.data.model
  const { qualityMetrics: quality, trainingSummary: summary } = artifact
  const urls = new Map(downloads.data?.files.map((file) => [file.name, file]))

  return (
    <>
      <div className="page-head">
        <h1>{artifact.name} <StatusBadge status={artifact.status} /></h1>
      </div>
      {artifact.description && <p>{artifact.description}</p>}
      <section className="card" aria-labelledby="files-heading">
        <h2 id="files-heading">Files</h2>
        <ErrorNotice error={downloads.error} />
        <table className="table" data-testid="model-files">
          <caption className="visually-hidden">Adapter files</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col" className="number">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            {artifact.files.map((file) => {
              const download = urls.get(file.name)
              return (
                <tr key={file.name} data-file={file.name}>
                  <td><code>{file.name}</code></td>
                  <td className="number">{formatBytes(file.bytes)}</td>
                  <td><code className="hash" data-testid="sha256">{file.sha256}</code></td>
                  <td>
                    {download
                      ? <a href={download.url} download={file.name} className="button small">Download<span className="visually-hidden"> {file.name}</span></a>
                      : <span className="muted">…</span>}
                    {download?.expiresAt && <div className="muted small">link valid until <UtcTime value={download.expiresAt} /></div>}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="quality-heading">
        <h2 id="quality-heading">Quality and training</h2>
        <dl className="figures">
          <div><dt>Final training loss</dt><dd>{formatFloat(quality.finalTrainingLoss)}</dd></div>
          <div><dt>Final validation loss</dt><dd>{formatFloat(quality.finalValidationLoss)}</dd></div>
          <div><dt>Best validation loss</dt><dd>{formatFloat(quality.bestValidationLoss)}{quality.bestEpoch ? ` (epoch ${quality.bestEpoch})` : ''}</dd></div>
          <div><dt>Perplexity</dt><dd>{formatFloat(quality.perplexity)}</dd></div>
          <div><dt>Convergence</dt><dd>{quality.convergenceQuality ? humanize(quality.convergenceQuality) : '—'}</dd></div>
          <div><dt>Duration</dt><dd>{formatSeconds(summary.durationSeconds)}</dd></div>
          <div><dt>Steps / epochs</dt><dd>{formatCount(summary.totalSteps)} / {summary.epochsCompleted}</dd></div>
          <div><dt>Tokens trained</dt><dd>{formatCount(summary.tokensProcessed)}</dd></div>
          <div><dt>GPU-hours</dt><dd>{summary.gpuHours}</dd></div>
          <div><dt>Cost</dt><dd>{formatMoney(summary.finalCost)}</dd></div>
        </dl>
      </section>
      <section className="card" aria-labelledby="provenance-heading">
        <h2 id="provenance-heading">Provenance</h2>
        <dl className="figures">
          <div><dt>Base model</dt><dd>{artifact.baseModel}</dd></div>
          <div><dt>Preset</dt><dd>{humanize(artifact.configuration.preset)}</dd></div>
          <div><dt>GPU</dt><dd>{artifact.configuration.gpu.gpuCount} × {artifact.configuration.gpu.gpuType}</dd></div>
          <div><dt>LoRA r / alpha</dt><dd>{artifact.configuration.hyperparameters.loraRank} / {artifact.configuration.hyperparameters.loraAlpha}</dd></div>
          <div><dt>Job</dt><dd><Link href={`/jobs/${artifact.jobId}`}><code>{artifact.jobId.slice(0, 8)}</code></Link></dd></div>
          <div><dt>Dataset</dt><dd><Link href={`/datasets/${artifact.datasetId}`}><code>{artifact.datasetId.slice(0, 8)}</code></Link></dd></div>
          <div><dt>Created</dt><dd><UtcTime value={artifact.createdAt} /></dd></div>
          <div><dt>Storage</dt><dd><code>{artifact.storagePath}</code></dd></div>
        </dl>
      </section>
    </>
  )
}
