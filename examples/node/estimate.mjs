// Estimate a LoRA fine-tuning job from Node: duration, cost and GPU memory.
//
// Run: node examples/node/estimate.mjs  (after `npm ci && npm run build` in bindings-node/).
// In your own project: `import { estimate, ... } from 'brightrun'`.
import { BrightRunError, estimate, gpus, presets } from '../../bindings-node/index.mjs'

console.log('Presets:', presets().map((p) => p.name).join(', '))
const cheapest = gpus().reduce((a, b) => (Number(a.defaultPricePerHour) <= Number(b.defaultPricePerHour) ? a : b))
console.log(`Cheapest GPU: ${cheapest.name} at $${cheapest.defaultPricePerHour}/h`)

const result = await estimate({
  baseModel: 'mistralai/Mistral-7B-v0.1',
  gpu: 'A6000-48GB',
  tokens: 4_200_000,
  examples: 2_000,
  datasetBytes: 9_500_000,
  loraRank: 32,
})
// Money is an exact decimal string: format it for display, never add it up as a float.
const dollars = Number(result.cost.total).toFixed(2)
console.log(
  `${result.baseModel}: ${result.durationHours.expected.toFixed(2)} h expected, $${dollars}, ` +
    `${result.memory.requiredGb.toFixed(1)} of ${result.memory.availableGb} GiB (${result.memory.fits ? 'fits' : 'does not fit'})`,
)
for (const warning of result.warnings) console.log(`warning[${warning.code}]: ${warning.message}`)

try {
  await estimate({ baseModel: 'meta-llama/Meta-Llama-3-70B', gpu: 'RTX-4090', tokens: 1_000_000 })
} catch (error) {
  if (!(error instanceof BrightRunError)) throw error
  console.log(`error[${error.code}]`)
}

const big = await estimate({ baseModel: 'meta-llama/Meta-Llama-3-70B', gpu: 'H100-80GB', tokens: 10_000_000, quantization: '4bit' })
console.log(`Llama 3 70B in 4 bit on one H100: ${big.memory.requiredGb.toFixed(1)} GiB, fits: ${big.memory.fits}`)
