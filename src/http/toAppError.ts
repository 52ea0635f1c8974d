import { HTTPException } from "hono/http-exception";
import { driverErrorOf } from "../db/errors.js";
import { AppError, type ErrorCode, errorStatus } from "../errors.js";

/** Each status's first code in errorStatus: BAD_REQUEST is listed before the other 400s. */
const codeByStatus = new Map<number, ErrorCode>();
for (const [code, status] of Object.entries(errorStatus) as Array<[ErrorCode, number]>) {
  if (!codeByStatus.has(status)) codeByStatus.set(status, code);
}

/**
 * PostgreSQL's query_canceled (statement_timeout) and lock_not_available (lock_timeout): the
 * database was too busy to answer in time, which a retry may not find.
 */
const databaseTimeouts = new Set(["57014", "55P03"]);

function isDatabaseTimeout(err: unknown): boolean {
  return databaseTimeouts.has(driverErrorOf(err)?.code ?? "");
}

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
    const code = codeByStatus.get(err.status) ?? "INTERNAL";
    return new AppError(
      code,
      code === "INTERNAL" ? "Internal Server Error" : err.message || code,
      {},
      {},
      { cause: err },
    );
  }
  if (isDatabaseTimeout(err)) {
    return new AppError(
      "SERVICE_UNAVAILABLE",
      "The database did not answer in time",
      {},
      { "Retry-After": "5" },
      {
        cause: err,
      },
    );
  }
  return new AppError("INTERNAL", "Internal Server Error", {}, {}, { cause: err });
}
