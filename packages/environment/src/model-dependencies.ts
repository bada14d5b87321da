/**
 * `get_model_dependencies` (environment.md 9) for local paths and `file:` URIs.
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowException, Model, isPlainObject, silentLogger, writeFileAtomic, type Logger } from '@pyfunc/format';
import { CONDA_ENV_FILE_NAME, readCondaEnv } from './conda-env.js';
import { REQUIREMENTS_FILE_NAME } from './requirements.js';

/** Options of {@link getModelDependencies}. */
export interface GetModelDependenciesOptions {
  /** `pip` (default) for a requirements file, `conda` for the conda file. */
  format?: 'pip' | 'conda' | (string & {});
  logger?: Logger;
}

function localModelDir(modelUri: string): string {
  let path = modelUri;
  if (/^file:/i.test(modelUri)) {
    try {
      path = fileURLToPath(modelUri.replace(/^file:(?!\/)/i, 'file:///'));
    } catch (error) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid file URI: ${modelUri}`, { cause: error });
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(modelUri)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Unsupported model URI '${modelUri}': getModelDependencies of @pyfunc/environment takes local paths and file: URIs; ` +
      'resolve other URIs with @pyfunc/tracking first.');
  }
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Model directory does not exist: ${path}`, { path });
  }
  return path;
}

async function condaFilePath(modelDir: string): Promise<string> {
  const model = await Model.load(modelDir);
  const flavor = model.flavors.python_function;
  if (!isPlainObject(flavor)) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', 'Model does not have the "python_function" flavor', { path: modelDir });
  }
  const env = flavor.env;
  const file = typeof env === 'string' ? env : isPlainObject(env) && typeof env.conda === 'string' ? env.conda : undefined;
  if (file === undefined) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The python_function flavor of ${modelDir} names no conda environment file`, { path: modelDir });
  }
  return join(modelDir, file);
}

/**
 * Returns the path of the model's pip requirements file (`format: 'pip'`) or conda file
 * (`format: 'conda'`). Without `requirements.txt`, writes the conda file's pip section to a new
 * temporary `requirements.txt` (lines + trailing newline) and warns about the conda dependencies left out.
 *
 * @throws {MlflowException} INVALID_PARAMETER_VALUE `Illegal format argument '<f>'.`;
 *   RESOURCE_DOES_NOT_EXIST when the model or its pip section is missing.
 */
export async function getModelDependencies(modelUri: string, options: GetModelDependenciesOptions = {}): Promise<string> {
  const format = options.format ?? 'pip';
  const logger = options.logger ?? silentLogger;
  const modelDir = localModelDir(modelUri);
  if (format === 'conda') return condaFilePath(modelDir);
  if (format !== 'pip') throw new MlflowException('INVALID_PARAMETER_VALUE', `Illegal format argument '${format}'.`);
  const requirementsFile = join(modelDir, REQUIREMENTS_FILE_NAME);
  if (existsSync(requirementsFile)) {
    logger.info({ path: requirementsFile },
      `To install the dependencies that were used to train the model, run the following command: 'pip install -r ${requirementsFile}'.`);
    return requirementsFile;
  }
  logger.info({}, `${REQUIREMENTS_FILE_NAME} is not found in the model directory. Falling back to extracting pip requirements ` +
    `from the model's '${CONDA_ENV_FILE_NAME}' file. Conda dependencies will be ignored.`);
  const condaPath = await condaFilePath(modelDir);
  const condaEnv = readCondaEnv(condaPath, { strict: false });
  const deps = Array.isArray(condaEnv.dependencies) ? [...condaEnv.dependencies] : [];
  const index = deps.findIndex((dep) => isPlainObject(dep) && 'pip' in dep);
  if (index === -1) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', 'No pip section found in conda.yaml file in the model directory.', { path: condaPath });
  }
  const pip = (deps.splice(index, 1)[0] as { pip: unknown }).pip;
  if (!Array.isArray(pip) || pip.some((line) => typeof line !== 'string')) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${condaPath}: the pip section must be a list of strings`, { path: condaPath });
  }
  const file = join(mkdtempSync(join(tmpdir(), 'pyfunc-deps-')), REQUIREMENTS_FILE_NAME);
  await writeFileAtomic(file, `${(pip as string[]).join('\n')}\n`);
  if (deps.length > 0) {
    logger.warn({ excluded: deps }, `The following conda dependencies have been excluded from the environment file: ${deps.map(String).join(', ')}.`);
  }
  logger.info({ path: file }, `To install the dependencies that were used to train the model, run the following command: 'pip install -r ${file}'.`);
  return file;
}
