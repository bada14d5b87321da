/**
 * Input examples (format spec 6): saving an example into a model directory exactly as MLflow
 * 2.22 does, and reading one back as `Model.load_input_example` does.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SavedInputExampleInfo } from './model.js';
import { writeFileAtomic } from './model.js';
import {
  encodeInputExample,
  type EncodeInputExampleOptions,
  type InputExample,
} from './input-example/encode-input-example.js';

export {
  INPUT_EXAMPLE_FILE_NAME,
  SERVING_INPUT_EXAMPLE_FILE_NAME,
  encodeInputExample,
  isInputExampleWithParams,
  validateExampleParams,
  withParams,
} from './input-example/encode-input-example.js';
export type {
  EncodeInputExampleOptions,
  EncodedInputExample,
  InputExample,
  InputExampleData,
  InputExampleWithParams,
} from './input-example/encode-input-example.js';
export { inputExampleTypes, loadInputExample, loadServingInputExample } from './input-example/load-input-example.js';
export type { LoadInputExampleOptions, LoadedInputExample } from './input-example/load-input-example.js';
export { decodeBase64Lines, encodeBase64Lines } from './input-example/to-python-json.js';

/** Options of {@link saveInputExample}. */
export type SaveInputExampleOptions = EncodeInputExampleOptions;

/**
 * Writes `input_example.json` and `serving_input_example.json` into a model directory, byte
 * for byte as MLflow 2.22's `_save_example` does, and returns the `saved_input_example_info`
 * to record in MLmodel. The example is fully encoded before anything is written; each file is
 * written atomically (temporary file, then rename).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE (INTERNAL_ERROR for a list holding
 * tensors, as MLflow) for an example MLflow refuses, nothing written; IO_ERROR when a file
 * cannot be written.
 */
export async function saveInputExample(modelDir: string, example: InputExample,
  options: SaveInputExampleOptions = {}): Promise<SavedInputExampleInfo> {
  const encoded = encodeInputExample(example, options);
  const inputPath = join(modelDir, encoded.info.artifact_path);
  await writeFileAtomic(inputPath, encoded.inputExampleJson);
  if (encoded.servingInputExampleJson !== undefined && encoded.info.serving_input_path !== undefined) {
    try {
      await writeFileAtomic(join(modelDir, encoded.info.serving_input_path), encoded.servingInputExampleJson);
    } catch (error) {
      await rm(inputPath, { force: true }).catch(() => undefined);
      throw error;
    }
  }
  return encoded.info;
}
