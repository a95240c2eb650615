// Compiled with `tsc --noEmit` (npm run typecheck): the generated index.d.ts is valid, and
// its types say what the package does. Not run; the runtime checks are the *.test.* files.
import {
  BrightRunError,
  convert,
  estimate,
  gpus,
  presets,
  validate,
  type ConvertSummary,
  type DatasetFormat,
  type Estimate,
  type EstimateOptions,
  type Finding,
  type ValidationReport,
} from 'brightrun'

const options: EstimateOptions = { baseModel: 'mistralai/Mistral-7B-v0.1', gpu: 'A6000-48GB', tokens: 4_200_000, quantization: '4bit' }

export async function example(): Promise<string> {
  const result: Estimate = await estimate(options)
  const total: string = result.cost.total
  const hours: number = result.durationHours.expected
  const name: 'conservative' | 'balanced' | 'aggressive' | 'custom' = presets()[0].name
  const price: string = gpus()[0].defaultPricePerHour
  try {
    await estimate({ ...options, gpu: 'RTX-4090' })
  } catch (error) {
    if (error instanceof BrightRunError) return error.code
  }
  // @ts-expect-error quantization is one of the three names
  await estimate({ ...options, quantization: '3bit' })
  return `${total} ${hours} ${name} ${price}`
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
  return errors.length + pairs + (tokens ?? 0) + missing + summary.trainConversations + (format ? 1 : 0)
}
