/** The values of the package's status and format types, for the filters and bodies the API checks. */

import type { ArtifactStatus, DatasetFormat, DatasetStatus, JobStatus, MetricSeries } from 'brightrun'

/** The keys of a record that must name every value of `T` (the compiler checks it is complete). */
const every = <T extends string>(values: Record<T, true>): T[] => Object.keys(values) as T[]

export const DATASET_STATUSES = every<DatasetStatus>({ uploading: true, validating: true, ready: true, error: true })
export const DATASET_FORMATS = every<DatasetFormat>({
  chat: true,
  brightrun_lora_v3: true,
  brightrun_lora_v4: true,
  prompt_completion: true,
  alpaca: true,
  sharegpt: true,
  text: true,
  gemini: true,
})
export const JOB_STATUSES = every<JobStatus>({ queued: true, initializing: true, running: true, completed: true, failed: true, cancelled: true })
export const MODEL_STATUSES = every<ArtifactStatus>({ stored: true, archived: true, deleted: true })
export const METRIC_SERIES = every<MetricSeries>({
  training_loss: true,
  validation_loss: true,
  learning_rate: true,
  grad_norm: true,
  tokens_per_second: true,
  gpu_utilization: true,
  gpu_memory: true,
})
