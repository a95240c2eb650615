// The hyperparameters the configure form offers, with the ranges the core accepts (the table
// of core/src/config/hyperparameters.rs; the API answers 400 naming the field and its range
// for anything outside them, and the form shows that answer too).
import type { Hyperparameters } from './types'

/** A numeric hyperparameter of the form. */
export interface NumberField {
  /** The key in `Hyperparameters` (camelCase) and the label shown. */
  key: keyof Hyperparameters
  label: string
  /** What it does, in one line. */
  help: string
  min: number
  max: number
  /** The input's step: 1 for whole numbers, `any` for reals. */
  step: number | 'any'
}

/** The numeric hyperparameters, in the order the form shows them. */
export const NUMBER_FIELDS: readonly NumberField[] = [
  { key: 'epochs', label: 'Epochs', help: 'Passes over the training split.', min: 1, max: 100, step: 1 },
  { key: 'learningRate', label: 'Learning rate', help: 'Peak learning rate of the schedule.', min: 1e-7, max: 1e-2, step: 'any' },
  { key: 'batchSize', label: 'Batch size', help: 'Examples per micro-batch, across all GPUs.', min: 1, max: 512, step: 1 },
  { key: 'gradientAccumulationSteps', label: 'Gradient accumulation', help: 'Micro-batches per optimiser step.', min: 1, max: 1024, step: 1 },
  { key: 'loraRank', label: 'LoRA rank r', help: 'Rank of the adapter matrices.', min: 1, max: 512, step: 1 },
  { key: 'loraAlpha', label: 'LoRA alpha', help: 'Scaling numerator: the update is scaled by alpha / r.', min: 1, max: 1024, step: 1 },
  { key: 'loraDropout', label: 'LoRA dropout', help: 'Dropout on the adapter input.', min: 0, max: 0.5, step: 'any' },
  { key: 'warmupSteps', label: 'Warmup steps', help: 'Steps of linear learning-rate warmup.', min: 0, max: 100_000, step: 1 },
  { key: 'weightDecay', label: 'Weight decay', help: 'AdamW weight decay.', min: 0, max: 1, step: 'any' },
  { key: 'maxGradNorm', label: 'Max gradient norm', help: 'Gradient clipping norm.', min: 0.01, max: 100, step: 'any' },
  { key: 'maxSeqLen', label: 'Max sequence length', help: 'Longer examples are truncated (tokens).', min: 64, max: 262_144, step: 1 },
]

/** The storage choices of the frozen base weights. */
export const QUANTIZATIONS = [
  { value: 'none', label: 'none (bf16)' },
  { value: '8bit', label: '8-bit' },
  { value: '4bit', label: '4-bit (QLoRA NF4)' },
] as const

/** Hyperparameters as the form edits them: every number as the text of its input. */
export type HyperparameterDraft = Record<string, string> & { quantization: string; gradientCheckpointing: string }

/** The draft of a preset's (or a job's) values. */
export function draftOf(values: Hyperparameters): HyperparameterDraft {
  const draft: Record<string, string> = {
    quantization: values.quantization,
    gradientCheckpointing: String(values.gradientCheckpointing),
  }
  for (const field of NUMBER_FIELDS) draft[field.key] = String(values[field.key])
  return draft as HyperparameterDraft
}

/** A field's problem in words (empty, not a number, out of range, not whole), or undefined. */
export function fieldProblem(field: NumberField, text: string): string | undefined {
  if (text.trim() === '') return `${field.label} is required`
  const value = Number(text)
  if (!Number.isFinite(value)) return `${field.label} must be a number`
  if (value < field.min || value > field.max) return `${field.label} must be from ${field.min} to ${field.max}`
  if (field.step === 1 && !Number.isInteger(value)) return `${field.label} must be a whole number`
  return undefined
}

/** Whether every field of the draft is valid. */
export function draftIsValid(draft: HyperparameterDraft): boolean {
  return NUMBER_FIELDS.every((field) => fieldProblem(field, draft[field.key] ?? '') === undefined)
}

/**
 * The body's `hyperparameters` (snake_case, as the API takes them): every value of the form,
 * so the job trains with exactly what the form shows (the API records it under its preset
 * when the values are the preset's, as `custom` otherwise).
 */
export function hyperparametersOf(draft: HyperparameterDraft): Record<string, number | string | boolean> {
  const values: Record<string, number | string | boolean> = {
    quantization: draft.quantization,
    gradient_checkpointing: draft.gradientCheckpointing === 'true',
  }
  for (const field of NUMBER_FIELDS) values[snake(field.key)] = Number(draft[field.key])
  return values
}

/** Whether the form's values differ from the preset's. */
export function differsFrom(draft: HyperparameterDraft, preset: Hyperparameters): boolean {
  const original = draftOf(preset)
  return Object.keys(original).some((key) => Number(original[key]) !== Number(draft[key]) && original[key] !== draft[key])
}

/** `loraRank` -> `lora_rank`. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}
