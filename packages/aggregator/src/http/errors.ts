/**
 * The HTTP API's error catalogue: every error the API can answer, with its
 * status. Bodies are `{ "error": { "code", "message" } }`.
 */

/** Error codes of the HTTP API and their HTTP statuses. */
export const API_ERRORS = {
  MW_UNKNOWN_MODEL: 404,
  MW_UNKNOWN_FEATURE: 404,
  /** A signal the model has no history of (GET /api/v1/models/{m}/history?signal=). */
  MW_UNKNOWN_SIGNAL: 404,
  MW_NOT_FOUND: 404,
  MW_METHOD_NOT_ALLOWED: 405,
  MW_UNAUTHORIZED: 401,
  MW_BAD_REQUEST: 400,
  MW_BODY_TOO_LARGE: 413,
  MW_UNSUPPORTED_MEDIA_TYPE: 415,
  MW_NOT_READY: 503,
  /** The store is locked by another process (a backup, an `sqlite3` shell): the change was not made durable; retry. */
  MW_STORE_BUSY: 503,
  /** The dashboard's files are missing (the package was not built). */
  MW_DASHBOARD_NOT_BUILT: 503,
  MW_INTERNAL: 500,
} as const;

/** One of {@link API_ERRORS}' codes. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error the HTTP API answers with its catalogued status. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERRORS[code];
  }
}
