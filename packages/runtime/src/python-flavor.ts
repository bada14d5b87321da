/**
 * The `python_function` flavor of a TypeScript model (runtime.md 11.5, 11.6; DESIGN.md "The
 * js_function flavor"): Python MLflow loads the model with `code/pyfunc_node_loader.py`, which runs
 * it in one long-lived `node js/runner.mjs` process. The runner is an esbuild bundle of
 * `python-runner.ts` with the runtime and all its dependencies inside, so it needs no node_modules.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowException, writeFileAtomic, type FlavorConfig, type Logger, type Model, type PyValue } from '@pyfunc/format';
import {
  CONDA_ENV_FILE_NAME,
  PYTHON_ENV_FILE_NAME,
  processCondaEnv,
  processPipRequirements,
  writeEnvironmentFiles,
  type ProcessedRequirements,
} from '@pyfunc/environment';
import { addToModel, DEFAULT_PYTHON_VERSION } from './save-model.js';

/** `loader_module` of the `python_function` flavor of TypeScript models. */
export const PYTHON_LOADER_MODULE = 'pyfunc_node_loader';
/** The Node ⇄ Python codec module the loader imports (also @pyfunc/python's worker's). */
export const PYTHON_WIRE_MODULE = 'pyfunc_wire';
/** The runner bundle's location inside the model directory. */
export const RUNNER_PATH = 'js/runner.mjs';

const here = import.meta.url;
let runnerBytes: Promise<Uint8Array> | undefined;

async function firstExisting(candidates: URL[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch { /* next */ }
  }
  return undefined;
}

/** Bundles the runner once per process (it does not depend on the model). */
async function buildRunner(): Promise<Uint8Array> {
  // dist/index.js → dist/python-runner.js; src/python-flavor.ts → src/python-runner.ts
  const entry = await firstExisting([new URL('./python-runner.js', here), new URL('./python-runner.ts', here)]);
  if (entry === undefined) {
    throw new MlflowException('INTERNAL_ERROR', `@pyfunc/runtime is incomplete: its Node runner (python-runner.js) is missing next to ${fileURLToPath(here)}.`);
  }
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      legalComments: 'none',
      minifyWhitespace: true,
      minifySyntax: true,
      keepNames: true,
      // the save path's bundler and the test helpers never run in the runner
      external: ['esbuild', 'vitest'],
      banner: { js: "import { createRequire as __pyfuncCreateRequire } from 'node:module';\nconst require = __pyfuncCreateRequire(import.meta.url);" },
    });
    return result.outputFiles[0]!.contents;
  } catch (error) {
    throw new MlflowException('INTERNAL_ERROR', `Failed to bundle the Node runner of the python_function flavor: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The text of one of the package's Python modules (`python/<name>`). */
async function pythonSource(name: string): Promise<string> {
  // src/ and dist/ are both one level below the package root
  const path = fileURLToPath(new URL(`../python/${name}`, here));
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new MlflowException('INTERNAL_ERROR', `@pyfunc/runtime is incomplete: '${path}' is missing.`, { cause: error, path });
  }
}

/** Options of {@link writePythonFunctionFlavor}. */
export interface PythonFunctionFlavorOptions {
  streamable: boolean;
  artifacts?: PyValue;
  modelConfig?: Record<string, unknown>;
  condaEnv?: Record<string, unknown> | string;
  pipRequirements?: string[] | string;
  extraPipRequirements?: string[] | string;
  logger: Logger;
}

/**
 * Writes `js/runner.mjs`, `code/pyfunc_node_loader.py` (with its codec `code/pyfunc_wire.py`) and the Python environment files
 * (`conda.yaml`, `python_env.yaml`, `requirements.txt`, `constraints.txt` when needed, as
 * MLflow's `save_model` writes them; the requirements are the MLflow pin plus the user's), and
 * adds the `python_function` flavor to `model`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for bad requirements / conda env arguments.
 */
export async function writePythonFunctionFlavor(dir: string, model: Model, options: PythonFunctionFlavorOptions): Promise<void> {
  const target = { pythonVersion: DEFAULT_PYTHON_VERSION };
  const processed: ProcessedRequirements = options.condaEnv !== undefined && options.condaEnv !== null
    ? await processCondaEnv(options.condaEnv, { target, logger: options.logger })
    : await processPipRequirements([], options.pipRequirements ?? null, options.extraPipRequirements ?? null, { target, logger: options.logger });
  runnerBytes ??= buildRunner();
  let bytes: Uint8Array;
  try {
    bytes = await runnerBytes;
  } catch (error) {
    runnerBytes = undefined;
    throw error;
  }
  await writeFileAtomic(join(dir, RUNNER_PATH), Buffer.from(bytes));
  await writeFileAtomic(join(dir, 'code', `${PYTHON_LOADER_MODULE}.py`), await pythonSource(`${PYTHON_LOADER_MODULE}.py`));
  await writeFileAtomic(join(dir, 'code', `${PYTHON_WIRE_MODULE}.py`), await pythonSource(`${PYTHON_WIRE_MODULE}.py`));
  await writeEnvironmentFiles(dir, processed, target);
  const extra: FlavorConfig = { streamable: options.streamable };
  if (options.artifacts !== undefined) extra.artifacts = options.artifacts;
  addToModel(model, {
    loaderModule: PYTHON_LOADER_MODULE,
    code: 'code',
    condaEnv: CONDA_ENV_FILE_NAME,
    pythonEnv: PYTHON_ENV_FILE_NAME,
    modelConfig: options.modelConfig ?? null,
    extra,
  });
}
