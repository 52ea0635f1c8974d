import { createHash } from "node:crypto";
import { DrizzleQueryError } from "drizzle-orm";

/**
 * What a log may say about a failed query. Drizzle's DrizzleQueryError carries the query text and
 * every bound parameter in its message, and PostgreSQL's own messages and details quote values
 * ("Key (email)=(...) already exists", "invalid input syntax for type integer: ..."): names, free
 * text and contact data would reach the log. This keeps only what identifies the failure.
 */
export type DatabaseErrorSummary = {
  type: "DatabaseError";
  /** SQLSTATE, e.g. 23505 (unique violation), 22021 (bad byte sequence, such as NUL in text). */
  code: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** The prepared statement's name, or the query's verb, first table and a hash of its text. */
  query?: string;
};

type DriverError = Error & {
  code: string;
  severity?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
};

const sqlState = /^[0-9A-Z]{5}$/;
// The query named by the code that ran it (src/db/client.ts statementTemplate); a WeakMap so that
// the error itself is left as the driver made it.
const queryNames = new WeakMap<object, string>();

/** Records which named statement failed with `err`, for the log; answers `err` to rethrow. */
export function nameFailedQuery(err: unknown, name: string): unknown {
  if (err !== null && typeof err === "object") queryNames.set(err, name);
  return err;
}

/** node-postgres' and PGlite's DatabaseError: a SQLSTATE code and a severity from the server. */
function isDriverError(err: unknown): err is DriverError {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<DriverError>;
  return typeof e.code === "string" && sqlState.test(e.code) && typeof e.severity === "string";
}

/**
 * The driver's error (with SQLSTATE `code` and `constraint`) behind whatever was thrown: the error
 * itself, or the cause under drizzle's wrapper or a transaction's. Every "which database error was
 * this" question reads it here.
 */
export function driverErrorOf(err: unknown): DriverError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (isDriverError(e)) return e;
  }
  return undefined;
}

/** A name for a query that has none: "insert tickets#1a2b3c4d" (no values: drizzle binds them). */
function queryLabel(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? "query";
  const table = /\b(?:into|update|from)\s+"?([A-Za-z_][\w.]*)"?/i.exec(text)?.[1];
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 8);
  return `${verb}${table ? ` ${table}` : ""}#${hash}`;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value ? value : undefined;
}

/** The summary of a database error (drizzle's wrapper or the driver's own), else undefined. */
export function summarizeDatabaseError(err: unknown): DatabaseErrorSummary | undefined {
  const wrapper = err instanceof DrizzleQueryError ? err : undefined;
  const driver = isDriverError(err) ? err : isDriverError(wrapper?.cause) ? wrapper.cause : undefined;
  if (!wrapper && !driver) return undefined;
  const name =
    queryNames.get(err as object) ??
    (driver && queryNames.get(driver)) ??
    (wrapper ? queryLabel(wrapper.query) : undefined);
  const summary: DatabaseErrorSummary = { type: "DatabaseError", code: driver?.code ?? "unknown" };
  const constraint = text(driver?.constraint);
  const table = text(driver?.table);
  const column = text(driver?.column);
  if (constraint) summary.constraint = constraint;
  if (table) summary.table = table;
  if (column) summary.column = column;
  if (name) summary.query = name;
  return summary;
}
