/**
 * `getModelDependencies` (runtime.md 9.4, environment.md 9): the path of a model's pip
 * requirements file or conda file. Local model paths and `file:` URIs.
 */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowException, Model, isPlainObject, loadMlflowYaml, silentLogger, writeFileAtomic, type Logger } from '@pyfunc/format';

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The model's dependencies file: `format: 'pip'` → `requirements.txt` (or a temporary one made
 * from `conda.yaml`'s pip section); `format: 'conda'` → the conda file.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "Illegal format argument '{f}'.";
 *   RESOURCE_DOES_NOT_EXIST when the model, its conda file or its pip section is missing.
 */
export async function getModelDependencies(modelUri: string, options: { format?: 'pip' | 'conda'; logger?: Logger } = {}): Promise<string> {
  const format = options.format ?? 'pip';
  const logger = options.logger ?? silentLogger;
  if (format !== 'pip' && format !== 'conda') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Illegal format argument '${String(format)}'.`);
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(modelUri) && !modelUri.startsWith('file:')) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Resolving '${modelUri}' needs @pyfunc/tracking: npm install @pyfunc/tracking`);
  }
  const modelDir = modelUri.startsWith('file:') ? fileURLToPath(modelUri.startsWith('file://') ? modelUri : `file://${modelUri.slice(5)}`) : resolve(modelUri);
  const requirements = join(modelDir, 'requirements.txt');
  if (format === 'pip' && (await exists(requirements))) {
    logger.info({ path: requirements }, `To install the dependencies that were used to train the model, run the following command: 'pip install -r ${requirements}'.`);
    return requirements;
  }
  const model = await Model.load(modelDir);
  const env = model.flavors.python_function?.env;
  const condaName = typeof env === 'string' ? env : isPlainObject(env) && typeof env.conda === 'string' ? env.conda : 'conda.yaml';
  const condaPath = join(modelDir, condaName);
  if (!(await exists(condaPath))) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The model has no dependencies file: neither requirements.txt nor ${condaName} in '${modelDir}'.`, { path: condaPath });
  }
  if (format === 'conda') return condaPath;
  logger.info({ path: condaPath }, `requirements.txt is not found in the model directory; falling back to the pip section of ${condaName}.`);
  const conda = loadMlflowYaml(await readFile(condaPath, 'utf8'), { path: condaPath });
  const dependencies = isPlainObject(conda) && Array.isArray(conda.dependencies) ? conda.dependencies : [];
  const pipSection = dependencies.find((item) => isPlainObject(item) && Array.isArray(item.pip));
  if (pipSection === undefined) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', 'No pip section found in conda.yaml file in the model directory.', { path: condaPath });
  }
  const pip = ((pipSection as { pip: unknown[] }).pip).map(String);
  const others = dependencies.filter((item) => !isPlainObject(item)).map(String);
  if (others.length > 0) {
    logger.warn({ excluded: others }, `The following conda dependencies have been excluded from the environment file: ${others.join(', ')}.`);
  }
  const path = join(await mkdtemp(join(tmpdir(), 'pyfunc-deps-')), 'requirements.txt');
  await writeFileAtomic(path, `${pip.join('\n')}\n`);
  return path;
}
