// presets(), gpus(), baseModels() and hyperparameters(): synchronous, camelCase, and the same as the CLI's listings.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { BrightRunError, baseModels, estimate, gpus, hyperparameters, presets } from '../index.mjs'
import { MISTRAL, camelize, cliJson, withoutNulls } from './helpers.mjs'

/** A snake_case name as the package's camelCase key. */
const camelName = (name) => Object.keys(camelize({ [name]: 0 }))[0]

test('presets are the CLI presets', () => {
  const list = presets()
  assert.deepEqual(
    list.map((p) => p.name),
    ['conservative', 'balanced', 'aggressive', 'custom'],
  )
  assert.equal(list[1].hyperparameters.loraRank, 16)
  assert.deepEqual(list, camelize(cliJson('presets')))
})

test('gpus have decimal-string prices and match the CLI', () => {
  const list = gpus()
  const a6000 = list.find((g) => g.name === 'A6000-48GB')
  assert.equal(a6000.defaultPricePerHour, '0.49')
  assert.equal(a6000.memoryGb, 48)
  assert.deepEqual(list, camelize(cliJson('gpus')))
})

test('base models match the CLI', () => {
  const list = baseModels()
  assert.equal(list.find((m) => m.id === 'mistralai/Mistral-7B-v0.1').architecture.parameters, 7241732096)
  assert.deepEqual(list, camelize(cliJson('base-models')))
})

test('hyperparameters match the CLI and name every option of a preset', () => {
  const list = hyperparameters()
  const rank = list.find((spec) => spec.name === 'lora_rank')
  assert.deepEqual(rank.range, { min: 1, max: 512 })
  assert.equal(rank.kind, 'integer')
  assert.deepEqual(list.find((spec) => spec.name === 'quantization').choices, ['none', '8bit', '4bit'])
  assert.equal(list.find((spec) => spec.name === 'gradient_checkpointing').range, undefined)
  assert.deepEqual(list, withoutNulls(camelize(cliJson('hyperparameters'))))
  const presetKeys = Object.keys(presets()[0].hyperparameters).filter((key) => key !== 'baseModel')
  assert.deepEqual(list.map((spec) => camelName(spec.name)).sort(), presetKeys.sort())
})

test('the estimate accepts the ends of each range and refuses what lies past them', async () => {
  const job = { baseModel: MISTRAL, gpu: 'A6000-48GB', tokens: 1_000_000 }
  for (const { name, kind, range } of hyperparameters()) {
    if (!range || (kind !== 'integer' && kind !== 'float')) continue
    const option = camelName(name)
    for (const end of [range.min, range.max]) await estimate({ ...job, [option]: end })
    const past = range.max + (kind === 'integer' ? 1 : range.max)
    await assert.rejects(estimate({ ...job, [option]: past }), (error) => {
      assert.ok(error instanceof BrightRunError)
      assert.equal(error.code, 'invalid_hyperparameters')
      assert.match(error.message, new RegExp(`${name} = .*allowed: `))
      return true
    })
  }
})

test('catalogs are synchronous', () => {
  for (const fn of [presets, gpus, baseModels, hyperparameters]) assert.ok(Array.isArray(fn()))
})
