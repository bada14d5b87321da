/**
 * Wires chat models into the core: the save hook `saveModel` calls for a {@link ChatModel}
 * (fixed signature, example, task) and the load adapter that wraps a loaded one in
 * {@link ChatModelPyfuncWrapper}. Installed once, when this module is first imported.
 */
import type { FlavorConfig } from '@pyfunc/format';
// Through the package barrel, so that the core's modules finish evaluating before ours use
// them, whichever module is imported first (the runtime's modules import each other in a cycle).
import { type LoadedModelV1, type PythonModelContext, type SaveHook, registerModelAdapter, registerSaveHook } from '../index.js';
import { isChatModel } from './chat-model.js';
import { ChatModelPyfuncWrapper } from './chat-wrapper.js';
import { prepareChatModelSave } from './prepare-chat-model-save.js';

/** The save hook for chat models (the core has already called the model's `loadContext`). */
export const chatModelSaveHook: SaveHook = {
  matches: (model) => isChatModel(model),
  async prepare(model, options, context) {
    if (!isChatModel(model)) throw new TypeError('chatModelSaveHook.prepare needs a ChatModel');
    const plan = prepareChatModelSave(model, {
      signature: options.signature,
      inputExample: options.inputExample,
      logger: options.logger,
    });
    await plan.validate(context);
    return {
      signature: plan.signature,
      inputExample: plan.inputExample,
      metadata: plan.metadata,
      loaderModule: plan.loaderModule,
    };
  },
};

/** The load adapter: a loaded {@link ChatModel} predicts through {@link ChatModelPyfuncWrapper}. */
export function chatModelAdapter(model: unknown, context: PythonModelContext, _flavor: FlavorConfig): LoadedModelV1 | undefined {
  if (!isChatModel(model)) return undefined;
  const wrapper = new ChatModelPyfuncWrapper(model, context);
  return {
    doPredict: (data) => wrapper.predict(data),
    doPredictStream: (data) => wrapper.predictStream(data),
    pythonModel: model,
    getRawModel: () => wrapper.getRawModel(),
  };
}

/** Installs the chat save hook and load adapter (idempotent). */
export function registerChatModelSupport(): void {
  registerSaveHook(chatModelSaveHook);
  registerModelAdapter(chatModelAdapter);
}

registerChatModelSupport();
