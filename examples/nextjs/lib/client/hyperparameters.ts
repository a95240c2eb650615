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
  kind: HyperparameterSpec['kind']
  /** The allowed values of a number (of a list: how many names it has). */
  min?: number
  max?: number
  /** The names a choice allows. */
  choices: string[]
}

/** Hyperparameters as the form edits them: every value as the text of its input. */
export type HyperparameterDraft = Record<string, string>

/** Words of the core's names that read better spelled out in a label. */
const LABEL_WORDS: Record<string, string> = { lora: 'LoRA', grad: 'gradient', seq: 'sequence', len: 'length' }

/** The fields of the form: every hyperparameter, in the core's order. */
export function formFields(specs: readonly HyperparameterSpec[]): Field[] {
  return specs.map((spec) => {
    const words = spec.name.split('_').map((word) => LABEL_WORDS[word] ?? word).join(' ')
    return {
      key: camel(spec.name) as keyof Hyperparameters,
      name: spec.name,
      label: words.charAt(0).toUpperCase() + words.slice(1),
      help: spec.doc.replaceAll('`', ''),
      kind: spec.kind,
      min: spec.range?.min,
      max: spec.range?.max,
      choices: spec.choices,
    }
  })
}

/** Whether a field holds a number. */
export function isNumber(field: Field): boolean {
  return field.kind === 'float' || field.kind === 'integer'
}

/** The draft of a preset's (or a job's) values; a list as its names separated by commas. */
export function draftOf(fields: readonly Field[], values: Hyperparameters): HyperparameterDraft {
  return Object.fromEntries(fields.map((field) => {
    const value = values[field.key]
    return [field.key, Array.isArray(value) ? value.join(', ') : String(value)]
  }))
}

/** The names of a list typed as text: separated by commas, blanks left out. */
function namesOf(text: string): string[] {
  return text.split(',').map((name) => name.trim()).filter((name) => name !== '')
}

/**
 * A field's problem in words (empty, not a number, out of range, not whole, too few or many
 * names), or undefined. Which names a list may hold is the API's to say: it answers 400
 * naming the field.
 */
export function fieldProblem(field: Field, text: string): string | undefined {
  if (field.kind === 'names') {
    const count = namesOf(text).length
    if ((field.min !== undefined && count < field.min) || (field.max !== undefined && count > field.max)) {
      return `${field.label} must name from ${field.min} to ${field.max}, separated by commas`
    }
    return undefined
  }
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
export function hyperparametersOf(fields: readonly Field[], draft: HyperparameterDraft): Record<string, number | string | boolean | string[]> {
  return Object.fromEntries(fields.map((field) => [field.name, valueOf(field, draft[field.key] ?? '')]))
}

/** A field's value as the API takes it, from the text of its input. */
function valueOf(field: Field, text: string): number | string | boolean | string[] {
  switch (field.kind) {
    case 'float':
    case 'integer':
      return Number(text)
    case 'switch':
      return text === 'true'
    case 'names':
      return namesOf(text)
    case 'choice':
      return text
  }
}

/** Whether the form's values differ from the preset's. */
export function differsFrom(fields: readonly Field[], draft: HyperparameterDraft, preset: Hyperparameters): boolean {
  const original = hyperparametersOf(fields, draftOf(fields, preset))
  const edited = hyperparametersOf(fields, draft)
  return fields.some((field) => JSON.stringify(original[field.name]) !== JSON.stringify(edited[field.name]))
}

/** `lora_rank` -> `loraRank`. */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}
