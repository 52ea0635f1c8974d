import { summarizeDatabaseError } from "../db/errors.js";
import { maskCardNumbers, maskCardNumbersDeep } from "./cardNumbers.js";

const plainKey = /^[A-Za-z_]+$/;

/**
 * Logs are read by more people than the database is. Values under these keys are dropped whole,
 * and every other string, at any depth and whatever its key (ids and request ids included), is
 * scrubbed of e-mail addresses, phone numbers, card numbers and long digit runs before a line is
 * written. Database errors are reduced to their SQLSTATE, constraint, table and query name.
 */
const secretKeys = new Set(
  [
    "authorization",
    "x-api-key",
    "cookie",
    "set-cookie",
    "password",
    "secret",
    "token",
    "apikey",
    "api_key",
    "key",
    "admintoken",
    "accesstoken",
    "refreshtoken",
    // Channel account credentials (connectors/*/settings.ts) and what seals them or a push subscription.
    "pass",
    "authtoken",
    "bottoken",
    "appsecret",
    "verifytoken",
    "webhooksecret",
    "vapidprivatekey",
    "privatekey",
    "sealedsecrets",
    "sealed",
    "p256dh",
    "content",
    "email",
    "phone",
    "nomorkartu",
    "nomorrekening",
    "cardnumber",
    "accountnumber",
    // A query's bound values: a driver error or a query logger may carry them.
    "params",
    "parameters",
  ].map((k) => k.toLowerCase()),
);

const email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const phone = /(?<![0-9A-Za-z_-])\+?\d[\d ()-]{7,}\d(?![0-9A-Za-z_-])/g;
const longDigitRun = /(?<![0-9A-Za-z_-])\d{8,}(?![0-9A-Za-z_-])/g;

export function scrubText(text: string): string {
  return maskCardNumbers(text)
    .replace(email, "[email]")
    .replace(phone, (m) => (m.replace(/\D/g, "").length >= 8 ? "[phone]" : m))
    .replace(longDigitRun, (m) => `[${m.length} digits]`);
}

const redacted = "[REDACTED]";
// Far deeper than anything the hub logs; what lies deeper is dropped, never written unscrubbed.
const maxDepth = 200;

/** An error as a plain object: pino's shape (type, message, stack), its own fields and its cause. */
function errorShape(err: Error): Record<string, unknown> {
  const database = summarizeDatabaseError(err);
  if (database) return { ...database, stack: stackFrames(err) };
  const shape: Record<string, unknown> = {
    type: err.constructor?.name || err.name,
    message: err.message,
    stack: err.stack,
  };
  for (const key of Object.keys(err))
    if (!(key in shape) && key !== "cause") shape[key] = (err as never)[key];
  if (err.cause !== undefined) shape.cause = err.cause;
  return shape;
}

/** The stack without its first line, which repeats the message (drizzle's holds every parameter). */
function stackFrames(err: Error): string | undefined {
  return err.stack
    ?.split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
}

export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubText(value);
  if (typeof value === "number") return maskCardNumbersDeep(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > maxDepth) return "[too deep]";
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  // pino formats a log object before its serializers run, so this is where errors are handled.
  const plain = value instanceof Error ? errorShape(value) : value;
  let out: unknown;
  if (Array.isArray(plain)) out = plain.map((v) => scrubValue(v, depth + 1, seen));
  else {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(plain)) {
      // Plain names (the access line's keys) hold no digits or '@': nothing for scrubText to find.
      fields[plainKey.test(k) ? k : scrubText(k)] = secretKeys.has(k.toLowerCase())
        ? redacted
        : scrubValue(v, depth + 1, seen);
    }
    out = fields;
  }
  seen.delete(value);
  return out;
}
