// Compiled with `tsc --noEmit` (npm run typecheck): the generated index.d.ts is valid, and
// its types say what the package does. Not run; the runtime checks are the *.test.* files.
import { BrightRunError, estimate, gpus, presets, type Estimate, type EstimateOptions } from 'brightrun'

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
