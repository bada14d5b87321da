/**
 * The `Content-Type` check of MLflow's `/invocations` (serving.md 3).
 */
import { SCORING_PROTOCOL_CHANGE_INFO } from './messages.js';

/** The request formats `/invocations` reads. */
export type InvocationsFormat = 'json' | 'csv';

/** The outcome of {@link checkContentType}: a format, or MLflow's 415 text. */
export type ContentTypeCheck = { format: InvocationsFormat } | { format?: undefined; status: 415; message: string };

const JSON_FORMAT: ContentTypeCheck = Object.freeze({ format: 'json' });
const CSV_FORMAT: ContentTypeCheck = Object.freeze({ format: 'csv' });

/**
 * Checks a `Content-Type` value as MLflow does: media type compared exactly, `charset` must be
 * utf-8, no other parameter. A missing header answers 415 (MLflow crashes with 500: divergence 1).
 */
export function checkContentType(header: string | null | undefined): ContentTypeCheck {
  if (header === null || header === undefined) {
    return { status: 415, message: "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'None'." };
  }
  if (header === 'application/json') return JSON_FORMAT;
  if (header === 'text/csv') return CSV_FORMAT;
  const parts = header.split(';').map((part) => part.trim());
  const mediaType = parts[0]!;
  const parameters = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const at = part.indexOf('=');
    parameters.set(at < 0 ? part : part.slice(0, at), at < 0 ? '' : part.slice(at + 1));
  }
  if ((parameters.get('charset') ?? 'utf-8').toLowerCase() !== 'utf-8') {
    return { status: 415, message: 'The scoring server only supports UTF-8' };
  }
  const unexpected = [...parameters.keys()].filter((key) => key !== 'charset');
  if (unexpected.length > 0) {
    return { status: 415, message: `Unrecognized content type parameters: ${unexpected.join(', ')}. ${SCORING_PROTOCOL_CHANGE_INFO}` };
  }
  if (mediaType === 'text/csv') return CSV_FORMAT;
  if (mediaType === 'application/json') return JSON_FORMAT;
  return { status: 415, message: `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${header}'.` };
}
