// Errors: a BrightRunError with the core's stable code, for sync throws and async rejections.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { BrightRunError, estimate } from '../index.mjs'
import { MISTRAL } from './helpers.mjs'

const OK = { baseModel: MISTRAL, gpu: 'A100-80GB', tokens: 1_000_000 }

const CASES = [
  [{ gpu: 'RTX-4090' }, 'unknown_gpu'],
  [{ baseModel: 'gpt2' }, 'unknown_base_model'],
  [{ gpus: 9 }, 'invalid_gpu_count'],
  [{ preset: 'turbo' }, 'unknown_preset'],
  [{ modelConfig: '/nonexistent/config.json' }, 'unreadable_model_config'],
  [{ batchSize: 0, epochs: 1000 }, 'invalid_hyperparameters'],
  [{ quantization: '3bit' }, 'invalid_hyperparameters'],
  [{ targetModules: [] }, 'invalid_hyperparameters'],
  [{ tokens: 0 }, 'no_tokens'],
  [{ measuredTokensPerSecond: -5 }, 'invalid_throughput'],
  [{ targetModules: ['lm_head'] }, 'unknown_target_module'],
  [{ pricePerGpuHour: 'two dollars' }, 'invalid_money'],
  [{ tokens: -1 }, 'invalid_number'],
  [{ tokens: 1.5 }, 'invalid_number'],
  [{ tokens: 2 ** 53 }, 'invalid_number'],
  [{ gpus: -1 }, 'invalid_number'],
  [{ batchSize: Number.NaN }, 'invalid_number'],
]

for (const [changes, code] of CASES) {
  test(`${JSON.stringify(changes)} rejects with ${code}`, async () => {
    await assert.rejects(estimate({ ...OK, ...changes }), (error) => {
      assert.ok(error instanceof BrightRunError)
      assert.ok(error instanceof Error)
      assert.equal(error.name, 'BrightRunError')
      assert.equal(error.code, code)
      assert.ok(!error.message.startsWith('['), 'the code is taken out of the message')
      return true
    })
  })
}

test('the message is the CLI message, every bad field with its range', async () => {
  await assert.rejects(estimate({ ...OK, batchSize: 0, epochs: 1000 }), {
    code: 'invalid_hyperparameters',
    message: /batch_size = 0 \(allowed: 1 to 512\); epochs = 1000 \(allowed: 1 to 100\)/,
  })
  await assert.rejects(estimate({ ...OK, gpu: 'RTX-4090' }), { message: /^unknown GPU `RTX-4090`: choose one of A6000-48GB/ })
  await assert.rejects(estimate({ ...OK, tokens: -1 }), {
    message: '`tokens` must be a whole number from 0 to 9007199254740991, not -1',
  })
})

test('options of the wrong JS type reject (not throw) with napi errors', async () => {
  const pending = estimate({ baseModel: MISTRAL, tokens: 1 })
  assert.ok(pending instanceof Promise)
  await assert.rejects(pending, (error) => !(error instanceof BrightRunError) && /gpu/.test(error.message))
  await assert.rejects(estimate({ ...OK, tokens: '5' }), /tokens/)
})

test('BrightRunError can be made and matched by hosts', () => {
  const error = new BrightRunError('no such GPU', 'unknown_gpu')
  assert.equal(error.code, 'unknown_gpu')
  assert.equal(error.message, 'no such GPU')
  assert.ok(error.stack.includes('BrightRunError'))
})
