/**
 * The job body of `POST /api/jobs/estimate` and `POST /api/jobs` (snake_case, the
 * hyperparameters in an object of their own) as the package's `JobOptions`, and a job as
 * the API shows it.
 */

import { hyperparameters, type HyperparameterSpec, type JobOptions, type TrainingJob } from 'brightrun'

import { badField } from './errors'
import { integerField, moneyField, onlyFields, stringField, type Body } from './validate'

const JOB_FIELDS = ['dataset_id', 'preset', 'base_model', 'gpu_type', 'gpu_count', 'price_per_gpu_hour', 'hyperparameters'] as const

const camel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

/** The JavaScript type of each kind of hyperparameter, as `typeOf` names them. */
const KIND_TYPES: Record<HyperparameterSpec['kind'], string> = {
  float: 'number',
  integer: 'number',
  names: 'list of strings',
  choice: 'string',
  switch: 'boolean',
}

/** The hyperparameters a body may set (the core's table), with the JavaScript type of their values. */
let settable: Map<string, string> | undefined
function hyperparameterTypes(): Map<string, string> {
  settable ??= new Map(hyperparameters().map((spec) => [spec.name, KIND_TYPES[spec.kind]]))
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
