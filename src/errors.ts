/**
 * The one error type of the hub. A closed set of codes, each with one HTTP status; the API
 * families differ only in how they print an AppError (see src/http/errorFormats.ts).
 */
export const errorStatus = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** Field path (dot separated, e.g. "customer.email") → what is wrong with it. */
export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  override readonly name = "AppError";
  readonly status: (typeof errorStatus)[ErrorCode];

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldErrors = {},
    /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = errorStatus[code];
  }
}

export const errors = {
  validation: (fields: FieldErrors, message = "Validation failed") =>
    new AppError("VALIDATION_FAILED", message, fields),
  badRequest: (message: string, fields: FieldErrors = {}) => new AppError("BAD_REQUEST", message, fields),
  unauthorized: (message = "Unauthorized", headers: Record<string, string> = {}) =>
    new AppError("UNAUTHORIZED", message, {}, headers),
  forbidden: (message: string, fields: FieldErrors = {}) => new AppError("FORBIDDEN", message, fields),
  notFound: (message: string) => new AppError("NOT_FOUND", message),
  conflict: (message: string, fields: FieldErrors = {}) => new AppError("CONFLICT", message, fields),
  unprocessable: (message: string, fields: FieldErrors = {}) =>
    new AppError("UNPROCESSABLE", message, fields),
  gone: (message: string, fields: FieldErrors = {}) => new AppError("GONE", message, fields),
  /** A WebSocket route asked for over plain HTTP. */
  upgradeRequired: (message: string) =>
    new AppError("UPGRADE_REQUIRED", message, {}, { Upgrade: "websocket" }),
  payloadTooLarge: (maxBytes: number) =>
    new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${maxBytes} bytes`),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError("RATE_LIMITED", "Too many requests", {}, { "Retry-After": String(retryAfterSeconds) }),
} as const;
