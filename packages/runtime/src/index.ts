export { PythonModel, isPythonModel } from './python-model.js';
export type { PythonModelContext } from './python-model.js';
export { PyFuncModel } from './py-func-model.js';
export type { PyFuncModelOptions } from './py-func-model.js';
export { loadModel, effectiveModelConfig } from './load-model.js';
export type { LoadModelOptions } from './load-model.js';
export { saveModel, addToModel, registerSaveHook, BUNDLE_PATH, DEFAULT_PYTHON_VERSION } from './save-model.js';
export { PYTHON_LOADER_MODULE, RUNNER_PATH } from './python-flavor.js';
export type { AddToModelOptions, ModelFunction, SaveHook, SaveModelOptions } from './save-model.js';
export { getModelDependencies } from './get-model-dependencies.js';
export type { GetModelDependenciesOptions } from './get-model-dependencies.js';
export { setModel, ModelConfig } from './set-model.js';
export { T, signatureFromTypes } from './type-descriptor.js';
export type { ModelTypes, TypeDescriptor } from './type-descriptor.js';
export {
  builtinBackends,
  registerBackend,
  registeredFlavors,
  resolveBackend,
  unregisterBackend,
} from './backend-registry.js';
export type { FlavorBackendV1, LoadOptions, LoadedModelV1 } from './backend-registry.js';
export {
  CODE_MODEL_LOADER,
  FunctionPythonModel,
  JS_FUNCTION_FLAVOR,
  MODEL_LOADER,
  RUNTIME_VERSION,
  jsFunctionBackend,
  registerModelAdapter,
} from './js-function-flavor.js';
export type { ModelAdapter } from './js-function-flavor.js';
export * from './enforcement/index.js';
export * from './chat/index.js';
export { logModel, pyfuncModelFlavorName } from './log-model.js';
export type { LogModelOptions, ModelInfo } from './log-model.js';
