// BrightRun for Node, as an ES module: the same objects as the CommonJS entry, so a
// `BrightRunError` is the same class whichever way the package was loaded.
import brightrun from './index.js'

export const {
  BrightRun,
  BrightRunError,
  LOCAL_USER,
  NativeClient,
  NativeUpload,
  NotFoundError,
  __napiBindingTarget,
  openClient,
  presets,
  gpus,
  baseModels,
  hyperparameters,
  estimate,
  validate,
  convert,
} = brightrun
