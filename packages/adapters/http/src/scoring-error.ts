/**
 * Errors of the scoring server as MLflow classifies and writes them (serving.md 8).
 */
import { Frame, MlflowException, Series, Tensor, dumpsPythonJson, pyRepr } from '@pyfunc/format';
import { abbreviate } from './messages.js';

const stackTraces = new WeakMap<object, string>();

/** Records the `stack_trace` an error body carries for this exception (MLflow's extra key). */
export function attachStackTrace<T extends object>(error: T, stackTrace: string): T {
  stackTraces.set(error, stackTrace);
  return error;
}

/** The `stack_trace` recorded for this exception, if any. */
export function stackTraceOf(error: object): string | undefined {
  return stackTraces.get(error) ?? (error as { stackTrace?: unknown }).stackTrace as string | undefined;
}

/** A short rendering of parsed data for `Failed to predict data '...'` (divergence 6: at most 200 characters). */
export function describeData(data: unknown): string {
  let text: string;
  if (data instanceof Frame) text = `DataFrame(${data.numRows} rows x ${data.columns.length} columns: ${data.columns.map((column) => String(column.name)).join(', ')})`;
  else if (data instanceof Tensor) text = `ndarray(dtype=${data.dtype}, shape=(${data.shape.join(', ')}${data.shape.length === 1 ? ',' : ''}))`;
  else if (data instanceof Series) text = `Series(dtype=${data.dtype}, length=${data.length})`;
  else {
    try {
      text = pyRepr(data);
    } catch {
      text = Object.prototype.toString.call(data);
    }
  }
  return abbreviate(text, 200);
}

const UNEXPECTED = 'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe ' +
  'is compatible with the model for inference.';

/**
 * Classifies an error of `predict` as MLflow's server does (8.3): the model's MlflowException
 * keeps its code with `Failed to predict data '<data>'. \nError: ` in front; any other failure of
 * the model becomes BAD_REQUEST "Encountered an unexpected error ..." with its stack trace.
 */
export function toPredictionError(error: unknown, data: unknown): MlflowException {
  let original: unknown = error;
  // the runtime wraps a model's own non-MLflow failure as INTERNAL_ERROR with a cause; the Python
  // backend does the same for a Python exception that is not an MlflowException (cause: PythonError)
  if (MlflowException.isInstance(error) && error.errorCode === 'INTERNAL_ERROR' && error.cause !== undefined
    && !MlflowException.isInstance(error.cause)
    && (/^The model's \w+ failed: /.test(error.message) || (error.cause as { name?: unknown }).name === 'PythonError')) {
    original = error.cause;
  }
  if (MlflowException.isInstance(original)) {
    const wrapped = new MlflowException(original.errorCode, `Failed to predict data '${describeData(data)}'. \nError: ${original.message}`, { cause: original });
    const trace = stackTraceOf(original);
    return trace === undefined ? wrapped : attachStackTrace(wrapped, trace);
  }
  const trace = original instanceof Error ? (original.stack ?? String(original)) : String(original);
  return attachStackTrace(new MlflowException('BAD_REQUEST', UNEXPECTED, { cause: original }), trace);
}

/** Any error as an MlflowException: non-MLflow errors become INTERNAL_ERROR (serving.md 8.3, divergence 3). */
export function toScoringError(error: unknown): MlflowException {
  if (MlflowException.isInstance(error)) return error;
  const exception = new MlflowException('INTERNAL_ERROR', `Internal error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  return error instanceof Error && error.stack !== undefined ? attachStackTrace(exception, error.stack) : exception;
}

/** MLflow's error body: `{"error_code": ..., "message": ...[, "stack_trace": ...]}` in Python's JSON text. */
export function errorBody(exception: MlflowException, options: { noStackTraces?: boolean } = {}): string {
  const body: Record<string, string> = { error_code: String(exception.errorCode), message: exception.message };
  const trace = stackTraceOf(exception);
  if (trace !== undefined && options.noStackTraces !== true) body.stack_trace = trace;
  return dumpsPythonJson(body);
}

/** A JSON Response for an MlflowException, with MLflow's status for its code. */
export function errorResponse(exception: MlflowException, options: { noStackTraces?: boolean } = {}): Response {
  return new Response(errorBody(exception, options), {
    status: exception.getHttpStatusCode(),
    headers: { 'content-type': 'application/json' },
  });
}
