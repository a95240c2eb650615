// presets(), gpus() and baseModels(): synchronous, camelCase, and the same as the CLI's listings.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { baseModels, gpus, presets } from '../index.mjs'
import { camelize, cliJson } from './helpers.mjs'

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

test('catalogs are synchronous', () => {
  for (const fn of [presets, gpus, baseModels]) assert.ok(Array.isArray(fn()))
})
