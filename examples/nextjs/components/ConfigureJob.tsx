'use client'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useEffect, useMemo, useState } from 'react'
import type { FormEvent } from 'react'

import { apiSend, errorText, isAbort } from '../lib/client/api'
import { formatCount, formatMoney } from '../lib/client/format'
import { useDebounced, useResource } from '../lib/client/hooks'
import type { HyperparameterDraft } from '../lib/client/hyperparameters'
import { isAmountOrEmpty } from '../lib/client/money'
import { differsFrom, draftIsValid, draftOf, formFields, hyperparametersOf } from '../lib/client/hyperparameters'
import type { Catalog, DatasetPage, Estimate, EstimateAnswer, Preset, PresetSummary, TrainingJob } from '../lib/client/types'
import { EstimatePanel } from './EstimatePanel'
import { HyperparameterForm } from './HyperparameterForm'
import { ErrorNotice, Loading } from './Notice'
import { PresetPicker } from './PresetPicker'

/** The base model and GPU a new job starts with: the tiny model on the CPU, which trains anywhere. */
const DEFAULT_BASE_MODEL = 'smoke'
const DEFAULT_GPU = 'CPU'
/** Milliseconds the form must rest before the estimate is asked again. */
const ESTIMATE_DEBOUNCE_MS = 350

/** The configure page once the catalog and the ready datasets are loaded. */
export function ConfigureJob({ initialDatasetId }: { initialDatasetId: string }) {
  const catalog = useResource<Catalog>('/api/catalog')
  const datasets = useResource<DatasetPage>('/api/datasets?status=ready&limit=100')
  if (catalog.error || datasets.error) return <ErrorNotice error={catalog.error ?? datasets.error} />
  if (!catalog.data || !datasets.data) return <Loading what="the catalog and your datasets" />
  if (datasets.data.datasets.length === 0) {
    return <p>No dataset is ready to train on. <Link href="/datasets/new">Upload one</Link> and wait for its validation.</p>
  }
  return <JobForm catalog={catalog.data} datasets={datasets.data} initialDatasetId={initialDatasetId} />
}

/** The job body the API takes for an estimate and a job (snake_case). */
interface JobBody {
  dataset_id: string
  preset: Preset
  base_model: string
  gpu_type: string
  gpu_count: number
  /** USD per GPU-hour as exact decimal text; left out for the catalog's price. */
  price_per_gpu_hour?: string
  hyperparameters: Record<string, number | string | boolean | string[]>
}

function JobForm({ catalog, datasets, initialDatasetId }: { catalog: Catalog; datasets: DatasetPage; initialDatasetId: string }) {
  const router = useRouter()
  const firstPreset = catalog.presets.find((preset) => preset.name === 'balanced') ?? catalog.presets[0]
  const [datasetId, setDatasetId] = useState(datasets.datasets.some((dataset) => dataset.id === initialDatasetId) ? initialDatasetId : datasets.datasets[0].id)
  const [preset, setPreset] = useState<PresetSummary>(firstPreset)
  const fields = useMemo(() => formFields(catalog.hyperparameters), [catalog])
  const [draft, setDraft] = useState<HyperparameterDraft>(() => draftOf(fields, firstPreset.hyperparameters))
  const [baseModel, setBaseModel] = useState(catalog.baseModels.some((model) => model.id === DEFAULT_BASE_MODEL) ? DEFAULT_BASE_MODEL : catalog.baseModels[0].id)
  const [gpuType, setGpuType] = useState(catalog.gpus.some((gpu) => gpu.name === DEFAULT_GPU) ? DEFAULT_GPU : catalog.gpus[0].name)
  const [gpuCount, setGpuCount] = useState('1')
  const [price, setPrice] = useState('')
  const [estimate, setEstimate] = useState<Estimate>()
  const [estimateError, setEstimateError] = useState<string>()
  const [estimating, setEstimating] = useState(false)
  const [submitError, setSubmitError] = useState<string>()
  const [submitting, setSubmitting] = useState(false)

  const countValid = /^[1-8]$/.test(gpuCount)
  const priceValid = isAmountOrEmpty(price)
  const valid = draftIsValid(fields, draft) && countValid && priceValid
  const body = useMemo<JobBody>(() => ({
    dataset_id: datasetId,
    preset: preset.name,
    base_model: baseModel,
    gpu_type: gpuType,
    gpu_count: Number(gpuCount),
    price_per_gpu_hour: price.trim() || undefined,
    hyperparameters: hyperparametersOf(fields, draft),
  }), [datasetId, preset, baseModel, gpuType, gpuCount, price, fields, draft])
  const settled = useDebounced(valid ? JSON.stringify(body) : '', ESTIMATE_DEBOUNCE_MS)

  // The estimate follows the form: once it rests, ask again; a newer request aborts the older.
  useEffect(() => {
    if (!settled) return
    const controller = new AbortController()
    setEstimating(true)
    apiSend<EstimateAnswer>('POST', '/api/jobs/estimate', JSON.parse(settled), controller.signal)
      .then((answer) => {
        setEstimate(answer.estimate)
        setEstimateError(undefined)
      })
      .catch((caught: unknown) => {
        if (!isAbort(caught)) setEstimateError(errorText(caught))
      })
      .finally(() => {
        if (!controller.signal.aborted) setEstimating(false)
      })
    return () => controller.abort()
  }, [settled])

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (!valid) return
    setSubmitting(true)
    apiSend<{ job: TrainingJob }>('POST', '/api/jobs', body)
      .then((answer) => router.push(`/jobs/${answer.job.id}`))
      .catch((caught: unknown) => {
        setSubmitError(errorText(caught))
        setSubmitting(false)
      })
  }
  const selectedDataset = datasets.datasets.find((dataset) => dataset.id === datasetId)
  const gpu = catalog.gpus.find((spec) => spec.name === gpuType)

  return (
    <form className="configure" onSubmit={submit} noValidate>
      <div className="configure-main">
        <fieldset className="card">
          <legend>Data and model</legend>
          <div className="field-grid">
            <div className="field">
              <label htmlFor="job-dataset">Dataset (ready ones)</label>
              <select id="job-dataset" value={datasetId} onChange={(event) => setDatasetId(event.target.value)}>
                {datasets.datasets.map((dataset) => (
                  <option key={dataset.id} value={dataset.id}>{dataset.name} ({formatCount(dataset.totalTrainingPairs)} pairs)</option>
                ))}
              </select>
              {selectedDataset && <span className="hint">{formatCount(selectedDataset.totalTokens)} tokens, {formatCount(selectedDataset.totalValidationPairs)} validation pairs</span>}
            </div>
            <div className="field">
              <label htmlFor="job-base-model">Base model</label>
              <select id="job-base-model" value={baseModel} onChange={(event) => setBaseModel(event.target.value)}>
                {catalog.baseModels.map((model) => <option key={model.id} value={model.id}>{model.id}</option>)}
              </select>
              <span className="hint">{catalog.baseModels.find((model) => model.id === baseModel)?.displayName}</span>
            </div>
            <div className="field">
              <label htmlFor="job-gpu">GPU</label>
              <select id="job-gpu" value={gpuType} onChange={(event) => setGpuType(event.target.value)}>
                {catalog.gpus.map((spec) => (
                  <option key={spec.name} value={spec.name}>{spec.name}: {spec.memoryGb} GiB, {formatMoney(spec.defaultPricePerHour)}/hour</option>
                ))}
              </select>
              {gpu && <span className="hint">{gpu.bf16Tflops} bf16 TFLOP/s, {gpu.memoryBandwidthGbps} GB/s</span>}
            </div>
            <div className="field">
              <label htmlFor="job-gpu-count">GPUs</label>
              <input id="job-gpu-count" type="number" min={1} max={8} step={1} value={gpuCount} onChange={(event) => setGpuCount(event.target.value)} aria-invalid={countValid ? undefined : true} aria-describedby="job-gpu-count-hint" />
              <span id="job-gpu-count-hint" className={countValid ? 'hint' : 'hint error'}>Range 1 to 8.</span>
            </div>
            <div className="field">
              <label htmlFor="job-price">Your price per GPU-hour (USD)</label>
              <input id="job-price" type="text" inputMode="decimal" value={price} placeholder={gpu ? gpu.defaultPricePerHour : ''} onChange={(event) => setPrice(event.target.value)} aria-invalid={priceValid ? undefined : true} aria-describedby="job-price-hint" />
              <span id="job-price-hint" className={priceValid ? 'hint' : 'hint error'}>{priceValid ? 'Empty for the catalog price.' : 'An amount such as 2.49, or empty.'}</span>
            </div>
          </div>
        </fieldset>
        <PresetPicker
          presets={catalog.presets}
          value={preset.name}
          onChange={(chosen) => {
            setPreset(chosen)
            setDraft(draftOf(fields, chosen.hyperparameters))
          }}
        />
        <HyperparameterForm fields={fields} draft={draft} onChange={(changes) => setDraft((previous) => ({ ...previous, ...changes }))} />
        {differsFrom(fields, draft, preset.hyperparameters) && <p className="muted">Edited values: the job is recorded as a custom preset.</p>}
      </div>
      <aside className="configure-side">
        <EstimatePanel estimate={estimate} updating={estimating || (valid && settled !== JSON.stringify(body))} error={valid ? estimateError : 'Fix the highlighted fields to see an estimate.'} />
        <ErrorNotice error={submitError} />
        <button type="submit" className="primary wide" disabled={!valid || submitting}>{submitting ? 'Starting…' : 'Start training'}</button>
      </aside>
    </form>
  )
}
