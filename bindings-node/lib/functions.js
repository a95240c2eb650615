'use strict'
/**
 * The module functions: catalogs, `estimate`, `validate` and `convert`. The addon answers
 * the CLI's `--json`; these read it into the package's typed objects.
 */

const native = require('../native.js')
const { reader } = require('./convert.js')
const { coded, codedAsync } = require('./errors.js')
const { datasetSource } = require('./records.js')

const readPresets = reader('PresetSummary', { list: true })
const readGpus = reader('GpuSpec', { list: true })
const readBaseModels = reader('BaseModel', { list: true })
const readHyperparameters = reader('HyperparameterSpec', { list: true })
const readEstimate = reader('Estimate')
const readReport = reader('ValidationReport')
const readSummary = reader('ConvertSummary')

const nativePresets = coded(native.presets)
const nativeGpus = coded(native.gpus)
const nativeBaseModels = coded(native.baseModels)
const nativeHyperparameters = coded(native.hyperparameters)
const nativeEstimate = codedAsync(native.estimate)
const nativeValidate = codedAsync(native.validate)
const nativeConvert = codedAsync(native.convert)

module.exports = {
  presets: () => readPresets(nativePresets()),
  gpus: () => readGpus(nativeGpus()),
  baseModels: () => readBaseModels(nativeBaseModels()),
  hyperparameters: () => readHyperparameters(nativeHyperparameters()),
  estimate: async (options) => readEstimate(await nativeEstimate(options)),
  validate: async (dataset, options) => readReport(await nativeValidate(await datasetSource(dataset), options)),
  convert: async (dataset, outDir, options) => readSummary(await nativeConvert(await datasetSource(dataset), outDir, options)),
}
