// Validate a training dataset from Node, then convert it to the trainer's JSONL.
// Run: node examples/node/validate.mjs [FILE]  (after `npm run build` in bindings-node)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { BrightRunError, convert, validate } from '../../bindings-node/index.mjs'

const path = process.argv[2] ?? new URL('../data/sample_v4.jsonl', import.meta.url).pathname

try {
  const report = await validate(path, { maxSeqLen: 4096 })
  const { stats } = report
  console.log(`${path}: ${report.format}, ${report.valid ? 'valid' : 'INVALID'}`)
  console.log(`  ${stats.conversations} conversations, ${stats.trainingPairs} training pairs, ${stats.validationPairs} validation pairs`)
  console.log(`  ${stats.totalTokens} tokens (${stats.tokenizer}), ${stats.trainableTokens} trainable`)
  for (const f of report.findings.slice(0, 5)) console.log(`  line ${f.line}: ${f.severity}[${f.code}] ${f.message}`)
  if (report.valid) {
    const out = mkdtempSync(join(tmpdir(), 'brightrun-'))
    const summary = await convert(path, out, { validationFraction: 0.1 })
    console.log(`  converted: ${summary.trainConversations} train, ${summary.validationConversations} validation`)
    rmSync(out, { recursive: true })
  } else {
    process.exitCode = 1
  }
} catch (error) {
  if (!(error instanceof BrightRunError)) throw error
  console.error(`error[${error.code}]: ${error.message}`)
  process.exitCode = 2
}
