// estimate(): a Promise of the CLI's estimate, camelCased, money as decimal strings.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'

import { estimate } from '../index.mjs'
import { MISTRAL, camelize, cliFlags, cliJson } from './helpers.mjs'

// Inputs compared with the CLI: defaults, every kind of option, a job that does not fit
// (suggestions and warnings), a measured throughput, a price override.
const CASES = [
  { baseModel: MISTRAL, gpu: 'A6000-48GB', tokens: 4_200_000 },
  { baseModel: MISTRAL, gpu: 'A6000-48GB', tokens: 4_200_000, examples: 2000, datasetBytes: 9_500_000, preset: 'aggressive' },
  {
    baseModel: 'meta-llama/Meta-Llama-3-70B',
    gpu: 'H100-80GB',
    tokens: 25_000_000,
    examples: 120,
    gpus: 2,
    pricePerGpuHour: '2.10',
  },
  {
    baseModel: 'Qwen/Qwen2.5-7B',
    gpu: 'L40S-48GB',
    tokens: 1_000_000,
    measuredTokensPerSecond: 2400.5,
    learningRate: 5e-3,
    batchSize: 4,
    epochs: 2,
    loraRank: 64,
    loraAlpha: 128,
    loraDropout: 0,
    warmupSteps: 10,
    weightDecay: 0.1,
    gradientAccumulationSteps: 4,
    maxGradNorm: 0.5,
    maxSeqLen: 4096,
    targetModules: ['q_proj', 'v_proj', 'down_proj'],
    quantization: '8bit',
    gradientCheckpointing: false,
  },
]

for (const options of CASES) {
  test(`equals the CLI's --json: ${options.baseModel} on ${options.gpu}`, async () => {
    assert.deepEqual(await estimate(options), camelize(cliJson('estimate', ...cliFlags(options))))
  })
}

test('a model config file gives the CLI answer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brightrun-'))
  const modelConfig = join(dir, 'config.json')
  writeFileSync(
    modelConfig,
    JSON.stringify({
      hidden_size: 2048,
      num_attention_heads: 16,
      num_key_value_heads: 4,
      num_hidden_layers: 16,
      intermediate_size: 8192,
      vocab_size: 32000,
      max_position_embeddings: 4096,
      tie_word_embeddings: true,
    }),
  )
  const options = { baseModel: 'my-org/small-llama', gpu: 'A6000-48GB', tokens: 500_000, modelConfig }
  const result = await estimate(options)
  assert.equal(result.baseModel, 'my-org/small-llama')
  assert.deepEqual(result, camelize(cliJson('estimate', ...cliFlags(options))))
})

test('returns a Promise and plain typed values', async () => {
  const pending = estimate({ baseModel: MISTRAL, gpu: 'A6000-48GB', tokens: 4_200_000, examples: 2000, datasetBytes: 9_500_000 })
  assert.ok(pending instanceof Promise)
  const e = await pending
  assert.equal(e.cost.total, '2.09')
  assert.equal(e.cost.currency, 'USD')
  assert.equal(e.cost.billableHours.expected, '4.2598')
  assert.equal(e.tokens.total, 5 * 4_200_000)
  assert.ok(e.durationHours.low < e.durationHours.expected && e.durationHours.expected < e.durationHours.high)
  assert.equal(e.duration.throughputSource, 'flops_model')
  assert.equal(e.memory.fits, true)
  assert.deepEqual(e.memory.suggestions, [])
})

test('a numeric price is taken as its decimal form', async () => {
  const e = await estimate({ baseModel: MISTRAL, gpu: 'A100-80GB', tokens: 1_000_000, pricePerGpuHour: 1.1 })
  assert.equal(e.gpu.pricePerGpuHour, '1.1')
})

test('many estimates run concurrently', async () => {
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => estimate({ baseModel: MISTRAL, gpu: 'A6000-48GB', tokens: i + 1 })),
  )
  assert.deepEqual(
    results.map((r) => r.tokens.perEpoch),
    Array.from({ length: 40 }, (_, i) => i + 1),
  )
})
