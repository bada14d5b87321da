/**
 * Turning a tracking server's error answers into `MlflowException`s the way MLflow's
 * `verify_rest_response` / `RestException` do (format.md 7.7).
 */
import { MlflowException, type ErrorCode } from '@pyfunc/format';

/** MLflow's `HTTP_STATUS_TO_ERROR_CODE`: the code for a non-JSON error body, by HTTP status. */
const httpStatusToErrorCode: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL_ERROR',
  501: 'NOT_IMPLEMENTED',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The error code MLflow assigns to a bare HTTP status (`INTERNAL_ERROR` when unlisted). */
export function errorCodeForHttpStatus(status: number): ErrorCode {
  return httpStatusToErrorCode[status] ?? 'INTERNAL_ERROR';
}

/** At most this many characters of a non-JSON body go into an error message. */
export const BODY_SNIPPET_LIMIT = 500;

/** `text` cut to {@link BODY_SNIPPET_LIMIT} characters, marking the cut. */
export function bodySnippet(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > BODY_SNIPPET_LIMIT ? `${trimmed.slice(0, BODY_SNIPPET_LIMIT)}…` : trimmed;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exception for a failed REST call: a JSON body `{"error_code", "message"}` passes its code
 * through (message `"<CODE>: <message>"`, as MLflow's `RestException`); any other body maps by
 * HTTP status and the message names the endpoint, the status and a bounded snippet of the body.
 */
export function errorFromResponse(status: number, bodyText: string, endpoint: string): MlflowException {
  const json = parseJsonObject(bodyText);
  if (json !== undefined) {
    let code = typeof json.error_code === 'string' && json.error_code !== '' ? json.error_code : 'INTERNAL_ERROR';
    if (/^\d+$/.test(code)) code = errorCodeForHttpStatus(Number(code));
    const message = typeof json.message === 'string' ? json.message : `Response: ${bodySnippet(bodyText)}`;
    return new MlflowException(code, `${code}: ${message}`, { path: endpoint });
  }
  return new MlflowException(
    errorCodeForHttpStatus(status),
    `API request to endpoint ${endpoint} failed with error code ${status} != 200. Response body: '${bodySnippet(bodyText)}'`,
    { path: endpoint },
  );
}
