/**
 * The job body of `POST /api/jobs/estimate` and `POST /api/jobs` (snake_case, the
 * hyperparameters in an object of their own) as the package's `JobOptions`, and a job as
 * the API shows it.
 */

import { presets, type JobOptions, type TrainingJob } from 'brightrun'

import { badField } from './errors'
import { integerField, moneyField, onlyFields, stringField, type Body } from './validate'

const JOB_FIELDS = ['dataset_id', 'preset', 'base_model', 'gpu_type', 'gpu_count', 'price_per_gpu_hour', 'hyperparameters'] as const

const camel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

/**
 * The hyperparameters a body may set, snake_case, with the JavaScript type of their values:
 * read from a preset (the core's `Hyperparameters`), less the base model (a field of its own).
 */
let settable: Map<string, string> | undefined
function hyperparameterTypes(): Map<string, string> {
  settable ??= new Map(
    Object.entries(presets()[0].hyperparameters)
      .filter(([name]) => name !== 'baseModel')
      .map(([name, value]) => [snake(name), Array.isArray(value) ? 'list of strings' : typeof value]),
  )
  return settable
}

/** The JavaScript type of a value, as `hyperparameterTypes` names them. */
const typeOf = (value: unknown) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? 'list of strings' : typeof value)

/** The package's options of an estimate or a job from the API's body. */
export function jobOptions(body: Body): JobOptions {
  onlyFields(body, JOB_FIELDS)
  const options: JobOptions = { datasetId: stringField(body, 'dataset_id', { required: true }) }
  const preset = stringField(body, 'preset')
  const baseModel = stringField(body, 'base_model')
  const gpu = stringField(body, 'gpu_type')
  const gpus = integerField(body, 'gpu_count', { min: 1 })
  const price = moneyField(body, 'price_per_gpu_hour')
  if (preset !== undefined && preset !== null) options.preset = preset
  if (baseModel) options.baseModel = baseModel
  if (gpu) options.gpu = gpu
  if (gpus !== undefined) options.gpus = gpus
  if (price) options.pricePerGpuHour = price
  const overrides = body.hyperparameters
  if (overrides !== undefined && overrides !== null) {
    if (typeof overrides !== 'object' || Array.isArray(overrides)) throw badField('hyperparameters', 'hyperparameters must be an object of hyperparameter values')
    const values = overrides as Body
    const types = hyperparameterTypes()
    onlyFields(values, [...types.keys()], 'hyperparameters.')
    for (const [name, value] of Object.entries(values)) {
      const type = types.get(name)
      if (typeOf(value) !== type || (typeof value === 'number' && !Number.isFinite(value))) {
        throw badField(`hyperparameters.${name}`, `hyperparameters.${name} must be a ${type}, not ${JSON.stringify(value)}`, `a ${type}`)
      }
    }
    const set = Object.fromEntries(Object.entries(values).map(([name, value]) => [camel(name), value]))
    return { ...options, ...set }
  }
  return options
}

/** A job as the API shows it: without the backend's internal handle. */
export function publicJob(job: TrainingJob): Omit<TrainingJob, 'backendHandle'> {
  const { backendHandle: _handle, ...shown } = job
  return shown
}
