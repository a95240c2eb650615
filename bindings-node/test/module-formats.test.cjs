// The package loads with require() and import, both give the same objects, and both export
// exactly what the generated index.d.ts declares.
const assert = require('node:assert/strict')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')
const { test } = require('node:test')

const declared = [...readFileSync(join(__dirname, '..', 'index.d.ts'), 'utf8').matchAll(
  /^export declare (?:function|const|class) (\w+)/gm,
)].map((m) => m[1]).sort()

test('require() gives the declared API', () => {
  const brightrun = require('..')
  assert.deepEqual(Object.keys(brightrun).sort(), declared)
})

test('import gives the same objects as require()', async () => {
  const esm = await import('brightrun')
  const cjs = require('brightrun')
  assert.deepEqual(Object.keys(esm).sort(), declared)
  for (const name of declared) assert.equal(esm[name], cjs[name], name)
})

test('an error from an ES module import is a BrightRunError of the CommonJS class', async () => {
  const { estimate } = await import('brightrun')
  await assert.rejects(estimate({ baseModel: 'gpt2', gpu: 'A100-80GB', tokens: 1 }), require('..').BrightRunError)
})
