// Compiled with `tsc --noEmit` (npm run typecheck): the generated index.d.ts is valid, and
// its types say what the package does. Not run; the runtime checks are the *.test.* files.
import {
  BrightRun,
  BrightRunError,
  NotFoundError,
  convert,
  estimate,
  gpus,
  hyperparameters,
  presets,
  validate,
  type ConvertSummary,
  type DatasetFormat,
  type DatasetInput,
  type Estimate,
  type EstimateOptions,
  type Finding,
  type ValidationReport,
  type Dataset,
  type TrainingJob,
  type UploadTarget,
  type WorkerLine,
} from 'brightrun'

const options: EstimateOptions = { baseModel: 'mistralai/Mistral-7B-v0.1', gpu: 'A6000-48GB', tokens: 4_200_000, quantization: '4bit' }

export async function example(): Promise<string> {
  const result: Estimate = await estimate(options)
  const total: string = result.cost.total
  const hours: number = result.durationHours.expected
  const name: 'conservative' | 'balanced' | 'aggressive' | 'custom' = presets()[0].name
  const price: string = gpus()[0].defaultPricePerHour
  const kind: 'float' | 'integer' | 'names' | 'choice' | 'switch' = hyperparameters()[0].kind
  const max: number | undefined = hyperparameters()[0].range?.max
  try {
    await estimate({ ...options, gpu: 'RTX-4090' })
  } catch (error) {
    if (error instanceof BrightRunError) return error.code
  }
  // @ts-expect-error quantization is one of the three names
  await estimate({ ...options, quantization: '3bit' })
  return `${total} ${hours} ${name} ${price} ${kind} ${max}`
}

export async function dataset(path: string): Promise<number> {
  const report: ValidationReport = await validate(path, { maxSeqLen: 4096, minExamples: 1 })
  const format: DatasetFormat | undefined = report.format
  const errors: Finding[] = report.findings.filter((f) => f.severity === 'error')
  const pairs: number = report.stats.trainingPairs + report.stats.validationPairs
  const tokens: number | undefined = report.stats.totalTokens
  const missing: number = report.counts['missing_target_response'] ?? 0
  const summary: ConvertSummary = await convert(path, '/tmp/out', { validationFraction: 0.1 })
  // @ts-expect-error format is one of the formats' names
  await validate(path, { format: 'csv' })
  const records: DatasetInput = [{ prompt: 'Hi', completion: ' there' }]
  await validate(records)
  await convert(new Uint8Array([123, 125]), '/tmp/out')
  // @ts-expect-error a number is no dataset
  await validate(3)
  return errors.length + pairs + (tokens ?? 0) + missing + summary.trainConversations + (format ? 1 : 0)
}

// The client: typed resources, results from the generated types, camelCase fields.
export async function client(home: string, path: string): Promise<string> {
  const br = await BrightRun.open({ home, worker: true })
  const alice = br.forUser('6f1c1d5e-8b4e-4a53-9a4f-2b7c1f0e8d11')
  const dataset: Dataset = await alice.datasets.create({ path, name: 'support' })
  const fromBytes: Dataset = await alice.datasets.create({ data: new Uint8Array([123, 125]), fileName: 'x.jsonl', format: 'chat' })
  const fromRecords: Dataset = await alice.datasets.create({ records: [{ prompt: 'Hi', completion: ' there' }] })
  const target: UploadTarget = await alice.datasets.createUpload({ name: 'steps', format: 'chat', fileName: 'y.jsonl', size: 2 })
  const url: string | null = target.uploadUrl
  if (url === null) await alice.datasets.upload(target.dataset.id, { data: new Uint8Array([123, 125]), signal: AbortSignal.timeout(60_000) })
  const queued: Dataset = await alice.datasets.confirm(target.dataset.id)
  // @ts-expect-error the size the upload may not exceed is required
  await alice.datasets.createUpload({ name: 'steps', format: 'chat', fileName: 'y.jsonl' })
  const ready = await alice.datasets.wait(dataset.id, { timeoutMs: 60_000, signal: AbortSignal.timeout(60_000) })
  const job: TrainingJob = await alice.jobs.create({ datasetId: ready.id, baseModel: 'smoke', loraRank: 8, learningRate: 2e-4 })
  for await (const line of alice.jobs.events(job.id)) {
    const event: WorkerLine = line
    if ('event' in event && event.event.event === 'metric') break
  }
  const done = await alice.jobs.wait(job.id, { onProgress: (j) => void j.progressPercent })
  const cost: string | undefined = done.finalCost
  const counts: Record<string, number> | undefined = (await alice.datasets.report(ready.id))?.counts
  const files: string[] = done.artifactId ? await alice.models.download(done.artifactId, '/tmp/adapter') : []
  try {
    await alice.jobs.retrieve('nope')
  } catch (error) {
    if (error instanceof NotFoundError) return error.code
  }
  // @ts-expect-error a job needs its dataset
  await alice.jobs.create({ baseModel: 'smoke' })
  await br.close()
  return `${cost} ${files.length} ${fromBytes.id} ${fromRecords.id} ${queued.status} ${counts ? 1 : 0}`
}
