import { HTTPException } from "hono/http-exception";
import { AppError, type ErrorCode } from "../errors.js";

const codeByStatus: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
};

/**
 * Whatever was thrown, as an AppError. Hono's own exceptions (malformed JSON from the validator,
 * body limit) keep their status; anything unknown is a 500 whose details stay in the log.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /malformed json/i.test(err.message)) {
      return new AppError("MALFORMED_JSON", "Malformed JSON in request body", { body: "is not valid JSON" });
    }
    const code = codeByStatus[err.status] ?? "INTERNAL";
    return new AppError(
      code,
      code === "INTERNAL" ? "Internal Server Error" : err.message || code,
      {},
      {},
      { cause: err },
    );
  }
  return new AppError("INTERNAL", "Internal Server Error", {}, {}, { cause: err });
}
