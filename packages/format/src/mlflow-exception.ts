/**
 * MLflow's `ERROR_CODE_TO_HTTP_STATUS` (mlflow/protos/databricks.proto + mlflow/exceptions.py);
 * codes not listed answer 500.
 */
export const errorCodeToHttpStatus = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  IO_ERROR: 500,
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  ENDPOINT_NOT_FOUND: 404,
  MALFORMED_REQUEST: 400,
  INVALID_STATE: 500,
  PERMISSION_DENIED: 403,
  FEATURE_DISABLED: 501,
  CUSTOMER_UNAUTHORIZED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_CONFLICT: 409,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  NOT_IMPLEMENTED: 501,
  CANCELLED: 499,
  DEADLINE_EXCEEDED: 504,
  SERVICE_UNDER_MAINTENANCE: 503,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
} as const;

/** One of MLflow's error codes; codes MLflow servers send that are not listed pass through. */
export type ErrorCode = keyof typeof errorCodeToHttpStatus | (string & {});

const marker = Symbol.for('pyfunc.MlflowException');

/** Options beyond `ErrorOptions`: the file or URI the error is about. */
export interface MlflowExceptionOptions extends ErrorOptions {
  /** The file (or directory, or URI) the error is about, when there is one. */
  path?: string;
}

/**
 * The project's one error class, carrying an MLflow error code (`errorCode`) the way
 * `mlflow.exceptions.MlflowException` does.
 */
export class MlflowException extends Error {
  private readonly [marker] = true;
  override name = 'MlflowException';
  /** The file the error is about, if any. */
  readonly path: string | undefined;

  constructor(
    readonly errorCode: ErrorCode,
    message: string,
    options?: MlflowExceptionOptions,
  ) {
    super(message, options);
    this.path = options?.path;
  }

  /** Unlike `instanceof`, true across two installed copies of @pyfunc/format. */
  static isInstance(value: unknown): value is MlflowException {
    return typeof value === 'object' && value !== null && marker in value;
  }

  /** `INVALID_PARAMETER_VALUE`, the code of most of MLflow's validation errors. */
  static invalidParameterValue(message: string, options?: MlflowExceptionOptions): MlflowException {
    return new MlflowException('INVALID_PARAMETER_VALUE', message, options);
  }

  /**
   * MLflow's `MlflowInvalidInputException`: `BAD_REQUEST`, the message prefixed "Invalid input. ".
   */
  static invalidInput(message: string, options?: MlflowExceptionOptions): MlflowException {
    return new MlflowException('BAD_REQUEST', `Invalid input. ${message}`, options);
  }

  /** The HTTP status MLflow's servers answer for this error code. */
  getHttpStatusCode(): number {
    return (errorCodeToHttpStatus as Record<string, number>)[this.errorCode] ?? 500;
  }

  /** `{"error_code": ..., "message": ...}`, the body MLflow's servers send. */
  serializeAsJson(): string {
    return JSON.stringify({ error_code: this.errorCode, message: this.message });
  }
}
