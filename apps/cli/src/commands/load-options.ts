import { registerBackend } from '@pyfunc/runtime';
import { createPythonBackend, type PythonLoadOptions } from '@pyfunc/python';
import { MlflowException } from '@pyfunc/format';
import type { EnvManagerName } from '../options.js';

/**
 * Makes `python_function` models load with this command's environment manager and worker
 * count (the Python backend reads them; TypeScript models ignore both).
 */
export function usePythonBackend(envManager: EnvManagerName, workers?: number, extra: Pick<PythonLoadOptions, 'pipRequirementsOverride' | 'onProgress'> = {}): void {
  registerBackend(createPythonBackend({ envManager, ...(workers === undefined ? {} : { workers }), ...extra }));
}

/** `--model-config`: inline JSON (starts with `{`) or a YAML/JSON file path. */
export function parseModelConfig(value: string | undefined): Record<string, unknown> | string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!value.trim().startsWith('{')) return value;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch (error) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `--model-config is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new MlflowException('INVALID_PARAMETER_VALUE', '--model-config must be a JSON object or a file path.');
}

/** Options MLflow has that this build accepts but cannot honour yet. */
export function rejectMlserver(enableMlserver: boolean | undefined): void {
  if (enableMlserver === true) {
    throw new MlflowException('NOT_IMPLEMENTED', '--enable-mlserver is not supported by pyfunc: serve with the built-in server instead.');
  }
}
