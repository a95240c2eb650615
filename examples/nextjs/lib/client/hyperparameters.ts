// The hyperparameters the configure form offers: the core's own table (`GET /api/catalog`,
// the package's `hyperparameters()`), with its kinds, ranges and choices, so the form allows
// exactly what the API accepts. The API still answers 400 naming the field and its range for
// anything outside them, and the form shows that answer too.
import type { HyperparameterSpec, Hyperparameters } from './types'

/** A hyperparameter as the form edits it. */
export interface Field {
  /** The key in `Hyperparameters` (camelCase): the input's id and name. */
  key: keyof Hyperparameters
  /** The name the API takes (snake_case). */
  name: string
  label: string
  /** What it does, in one line. */
  help: string
  kind: 'float' | 'integer' | 'choice' | 'switch'
  /** The allowed values of a number. */
  min?: number
  max?: number
  /** The names a choice allows. */
  choices: string[]
}

/** Hyperparameters as the form edits them: every value as the text of its input. */
export type HyperparameterDraft = Record<string, string>

/** Words of the core's names that read better spelled out in a label. */
const LABEL_WORDS: Record<string, string> = { lora: 'LoRA', grad: 'gradient', seq: 'sequence', len: 'length' }

/**
 * The fields of the form, in the core's order: every hyperparameter a form can edit as one
 * value (lists of module names stay the preset's).
 */
export function formFields(specs: readonly HyperparameterSpec[]): Field[] {
  return specs.flatMap((spec) => {
    if (spec.kind === 'names') return []
    const words = spec.name.split('_').map((word) => LABEL_WORDS[word] ?? word).join(' ')
    return [{
      key: camel(spec.name) as keyof Hyperparameters,
      name: spec.name,
      label: words.charAt(0).toUpperCase() + words.slice(1),
      help: spec.doc.replaceAll('`', ''),
      kind: spec.kind,
      min: spec.range?.min,
      max: spec.range?.max,
      choices: spec.choices,
    }]
  })
}

/** Whether a field holds a number. */
export function isNumber(field: Field): boolean {
  return field.kind === 'float' || field.kind === 'integer'
}

/** The draft of a preset's (or a job's) values. */
export function draftOf(fields: readonly Field[], values: Hyperparameters): HyperparameterDraft {
  return Object.fromEntries(fields.map((field) => [field.key, String(values[field.key])]))
}

/** A field's problem in words (empty, not a number, out of range, not whole), or undefined. */
export function fieldProblem(field: Field, text: string): string | undefined {
  if (!isNumber(field)) return undefined
  if (text.trim() === '') return `${field.label} is required`
  const value = Number(text)
  if (!Number.isFinite(value)) return `${field.label} must be a number`
  if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
    return `${field.label} must be from ${field.min} to ${field.max}`
  }
  if (field.kind === 'integer' && !Number.isInteger(value)) return `${field.label} must be a whole number`
  return undefined
}

/** Whether every field of the draft is valid. */
export function draftIsValid(fields: readonly Field[], draft: HyperparameterDraft): boolean {
  return fields.every((field) => fieldProblem(field, draft[field.key] ?? '') === undefined)
}

/**
 * The body's `hyperparameters` (snake_case, as the API takes them): every value of the form,
 * so the job trains with exactly what the form shows (the API records it under its preset
 * when the values are the preset's, as `custom` otherwise).
 */
export function hyperparametersOf(fields: readonly Field[], draft: HyperparameterDraft): Record<string, number | string | boolean> {
  return Object.fromEntries(fields.map((field) => {
    const text = draft[field.key] ?? ''
    return [field.name, isNumber(field) ? Number(text) : field.kind === 'switch' ? text === 'true' : text]
  }))
}

/** Whether the form's values differ from the preset's. */
export function differsFrom(fields: readonly Field[], draft: HyperparameterDraft, preset: Hyperparameters): boolean {
  const original = draftOf(fields, preset)
  return Object.keys(original).some((key) => Number(original[key]) !== Number(draft[key]) && original[key] !== draft[key])
}

/** `lora_rank` -> `loraRank`. */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}
